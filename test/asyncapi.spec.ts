import type { Type } from '@nestjs/common';
import { MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../src/common/errors';
import type { Json } from '../src/docs/asyncapi-model';
import { exampleOf } from '../src/docs/schema-example';
import { CallsGateway, RELAY_EVENTS } from '../src/signaling/calls.gateway';
import { ChatGateway } from '../src/signaling/chat.gateway';
import { InstantGateway } from '../src/signaling/instant.gateway';
import { InstantMentorGateway } from '../src/signaling/instantmentor.gateway';
import { WebrtcGateway } from '../src/signaling/webrtc.gateway';
import { InviteMessage, ResponseMessage } from '../src/signaling/raw-ws/ws-signaling.dto';
import * as WsCall from '../src/signaling/raw-ws/ws-call.dto';
import { documentedOperations, DocumentedOperation, parseAsyncApi, ParsedAsyncApi, PayloadSchemas } from './helpers/asyncapi';
import { contractEvents } from './helpers/contract-events';

/** The fields a DTO validates, and which of them it requires (no @IsOptional). */
function dtoFields(dto: Type): { properties: string[]; required: string[] } {
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const properties = [...new Set(rules.map((rule) => rule.propertyName))].sort();
  const optional = new Set(rules.filter((rule) => rule.type === 'conditionalValidation').map((rule) => rule.propertyName));
  return { properties, required: properties.filter((name) => !optional.has(name)) };
}

/** `event → DTO class` of a gateway, from Nest's @SubscribeMessage metadata and the handler's parameter types. */
function gatewayDtos(gateway: Type): Array<[string, Type]> {
  const prototype = gateway.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype).flatMap((method) => {
    const handler = prototype[method];
    const event: unknown = typeof handler === 'function' ? Reflect.getMetadata(MESSAGE_METADATA, handler) : undefined;
    const params = (Reflect.getMetadata('design:paramtypes', prototype, method) ?? []) as Type[];
    const dto = params.find((param) => getMetadataStorage().getTargetValidationMetadatas(param, '', true, false).length > 0);
    return typeof event === 'string' && dto ? [[event, dto] as [string, Type]] : [];
  });
}

/** The wire contract, carried in the repo (docs/CONTRACT.md) so that a lone checkout can test against it. */
const CONTRACT = join(__dirname, '..', 'docs', 'CONTRACT.md');

const RAW_DTOS: Array<[DocumentedOperation['surface'], string, string, Type]> = [
  ['wsCall', 'action', 'start_call', WsCall.StartCallMessage],
  ['wsCall', 'action', 'answer_call', WsCall.AnswerCallMessage],
  ['wsCall', 'action', 'reject_call', WsCall.RejectCallMessage],
  ['wsCall', 'action', 'cancel_call', WsCall.CancelCallMessage],
  ['wsCall', 'action', 'offer', WsCall.OfferMessage],
  ['wsCall', 'action', 'answer', WsCall.AnswerMessage],
  ['wsCall', 'action', 'ice_candidate', WsCall.IceCandidateMessage],
  ['wsCall', 'action', 'hang_up', WsCall.HangUpMessage],
  ['wsSignaling', 'type', 'call.invite', InviteMessage],
  ['wsSignaling', 'type', 'call.response', ResponseMessage],
];

describe('docs/asyncapi.yaml', () => {
  let parsed: ParsedAsyncApi;
  let operations: DocumentedOperation[];
  const clientOperation = (surface: string, name: string) =>
    operations.find((op) => op.surface === surface && op.action === 'receive' && op.message.name === name);

  beforeAll(async () => {
    parsed = await parseAsyncApi();
    operations = documentedOperations(parsed.document);
  });

  it('is a valid AsyncAPI 3.0.0 document for the official parser', () => {
    if (parsed.errors.length > 0) console.error(`AsyncAPI diagnostics:\n${parsed.errors.join('\n')}`);
    expect(parsed.errors).toEqual([]);
    expect(parsed.document.version()).toBe('3.0.0');
    expect(
      parsed.document
        .channels()
        .all()
        .map((channel) => channel.id())
        .sort(),
    ).toEqual(['socketIo', 'wsCall', 'wsSignaling']);
  });

  it('reads the contract this repo carries', () => {
    // The team's copy may be ahead of it; `npm test` names the sections that differ (scripts/contract-drift.mjs).
    expect(readFileSync(CONTRACT, 'utf8')).toMatch(/^# The calling contract/);
  });

  it('documents every event CONTRACT.md names, on its surface and in its direction', () => {
    const events = contractEvents(readFileSync(CONTRACT, 'utf8'));
    // The reading must have found the tables and lists, not an empty section.
    for (const surface of ['socketIo', 'wsCall', 'wsSignaling'] as const) {
      expect(events.filter((event) => event.surface === surface).length).toBeGreaterThanOrEqual(10);
    }
    const missing = events
      .filter((event) => !operations.some((op) => op.surface === event.surface && op.message.name === event.name))
      .map((event) => `${event.name} (§${event.section}, ${event.surface})`);
    expect(missing).toEqual([]);
    const wrongDirection = events
      .filter((event) => event.sentBy)
      .filter((event) => {
        const action = event.sentBy === 'client' ? 'receive' : 'send';
        return !operations.some((op) => op.surface === event.surface && op.action === action && op.message.name === event.name);
      })
      .map((event) => `${event.name} sent by the ${event.sentBy} (§${event.section})`);
    expect(wrongDirection).toEqual([]);
  });

  it('has one operation per event and direction', () => {
    const keys = operations.map((op) => `${op.surface} ${op.action} ${op.message.name}`);
    expect(keys.length).toBe(new Set(keys).size);
  });

  it('lists exactly the error codes of src/common/errors.ts', () => {
    const schema = parsed.document.components().schemas().get('ErrorCode');
    expect(schema?.enum()).toEqual([...ERROR_CODES]);
  });

  it('acknowledges every Socket.IO event with its success reply or the shared failure; answers raw messages with error', () => {
    for (const op of operations.filter((o) => o.action === 'receive')) {
      const replies = op.replies.map((reply) => reply.key);
      if (op.surface === 'socketIo')
        expect({ op: op.id, replies }).toEqual({ op: op.id, replies: [expect.stringMatching(/^io\.ack\./), 'io.ack.failure'] });
      else expect({ op: op.id, hasError: replies.includes(`${op.surface}.server.error`) }).toEqual({ op: op.id, hasError: true });
    }
  });

  it('describes each Socket.IO payload with exactly the fields its gateway DTO validates', () => {
    const relay = Object.entries(RELAY_EVENTS).map(([event, { dto }]): [string, Type] => [event, dto]);
    const gateways = [...[CallsGateway, WebrtcGateway, InstantGateway, InstantMentorGateway, ChatGateway].flatMap(gatewayDtos), ...relay];
    expect(gateways.length).toBeGreaterThanOrEqual(34);
    for (const [event, dto] of gateways) {
      const op = clientOperation('socketIo', event);
      expect({ event, documented: Boolean(op) }).toEqual({ event, documented: true });
      const payload = op!.message.payload as { properties?: object; required?: string[]; additionalProperties?: unknown };
      expect({
        event,
        properties: Object.keys(payload.properties ?? {}).sort(),
        required: [...(payload.required ?? [])].sort(),
        closed: payload.additionalProperties === false,
      }).toEqual({
        event,
        ...dtoFields(dto),
        closed: true,
      });
    }
  });

  it('describes each raw-WebSocket message with exactly the fields its DTO validates, besides its name', () => {
    for (const [surface, discriminator, name, dto] of RAW_DTOS) {
      const payload = clientOperation(surface, name)!.message.payload as {
        properties: object;
        required: string[];
        additionalProperties?: unknown;
      };
      const properties = Object.keys(payload.properties)
        .filter((key) => key !== discriminator)
        .sort();
      const required = payload.required.filter((key) => key !== discriminator).sort();
      expect({ name, properties, required, closed: payload.additionalProperties === false }).toEqual({
        name,
        ...dtoFields(dto),
        closed: true,
      });
    }
  });

  it('has payload schemas that compile in strict mode', () => {
    const schemas = new PayloadSchemas(true);
    for (const op of operations) {
      for (const message of [op.message, ...op.replies])
        expect(() => schemas.check(message, {}, op.action === 'send' || message !== op.message)).not.toThrow();
    }
  });

  it('has examples that satisfy their own payload schemas', () => {
    const schemas = new PayloadSchemas(false);
    const messages = operations.flatMap((op) => [op.message, ...op.replies]);
    const wrong = messages.flatMap((message) =>
      message.examples.flatMap((example) => schemas.check(message, example, false).map((e) => `${message.key}: ${e}`)),
    );
    expect(messages.some((message) => message.examples.length > 0)).toBe(true);
    expect(wrong).toEqual([]);
  });

  it('makes examples for the docs page that satisfy the payload schemas of the messages that have none', () => {
    const schemas = new PayloadSchemas(false);
    const messages = operations.flatMap((op) => [op.message, ...op.replies]).filter((message) => message.examples.length === 0);
    expect(messages.length).toBeGreaterThan(0);
    const wrong = messages.flatMap((message) =>
      schemas.check(message, exampleOf(message.payload as Json, new Map()), false).map((e) => `${message.key}: ${e}`),
    );
    expect(wrong).toEqual([]);
  });
});
