import { DiagnosticSeverity, Parser, type AsyncAPIDocumentInterface, type Diagnostic, type MessageInterface } from '@asyncapi/parser';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Surface } from './contract-events';

export const ASYNCAPI_PATH = join(__dirname, '..', '..', 'docs', 'asyncapi.yaml');

export interface ParsedAsyncApi {
  document: AsyncAPIDocumentInterface;
  /** Diagnostics of severity error, formatted for a failure message. */
  errors: string[];
}

const describeDiagnostic = (d: Diagnostic) => `${d.code} at ${d.path.join('.') || '(root)'}: ${d.message}`;

/** The document as the official parser reads it; throws when it cannot produce one. */
export async function parseAsyncApi(text = readFileSync(ASYNCAPI_PATH, 'utf8')): Promise<ParsedAsyncApi> {
  const { document, diagnostics } = await new Parser().parse(text);
  const errors = diagnostics.filter((d) => Number(d.severity) === Number(DiagnosticSeverity.Error)).map(describeDiagnostic);
  if (!document) throw new Error(`The AsyncAPI document does not parse:\n${errors.join('\n')}`);
  return { document, errors };
}

type Schema = Record<string, unknown>;

export interface DocumentedMessage {
  /** The channel's key for it, e.g. `io.ack.startCall`. */
  key: string;
  /** The wire name: the Socket.IO event, or the raw message's `action`/`type`. */
  name: string;
  tags: string[];
  payload: Schema;
  examples: unknown[];
}

export interface DocumentedOperation {
  id: string;
  surface: Surface;
  /** AsyncAPI's view from the server: `receive` = clients send it, `send` = the server sends it. */
  action: 'send' | 'receive';
  message: DocumentedMessage;
  replies: DocumentedMessage[];
}

/** Every operation with its one message and its replies, payloads dereferenced. */
export function documentedOperations(document: AsyncAPIDocumentInterface): DocumentedOperation[] {
  const toMessage = (message: MessageInterface): DocumentedMessage => ({
    key: message.id() ?? '',
    name: message.name() ?? message.id() ?? '',
    tags: message
      .tags()
      .all()
      .map((tag) => tag.name()),
    payload: message.payload()?.json() ?? {},
    examples: message
      .examples()
      .all()
      .map((example) => example.payload()),
  });
  return document
    .operations()
    .all()
    .map((operation) => {
      const [message, ...others] = operation.messages().all();
      if (!message || others.length > 0) throw new Error(`Operation ${operation.id()} must carry exactly one message`);
      return {
        id: operation.id() ?? '',
        surface: operation.channels().all()[0].id() as Surface,
        action: operation.action() as 'send' | 'receive',
        message: toMessage(message),
        replies: operation.reply()?.messages().all().map(toMessage) ?? [],
      };
    });
}

/** A copy without the keys the parser adds (`x-parser-schema-id` …), which are not schema keywords. */
function withoutParserKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutParserKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !key.startsWith('x-parser-'))
      .map(([key, item]) => [key, withoutParserKeys(item)]),
  );
}

/**
 * Objects of a server message may carry only the properties the document lists: the document
 * lets clients ignore unknown fields, but the test holds the server to what is written.
 */
function closeObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(closeObjects);
  if (typeof value !== 'object' || value === null) return value;
  const schema = Object.fromEntries(Object.entries(value).map(([key, item]) => [key, key === 'examples' ? item : closeObjects(item)]));
  if (schema.type === 'object' && schema.properties && !('additionalProperties' in schema)) schema.additionalProperties = false;
  return schema;
}

/** JSON Schema validation of payloads, with the document's one extension keyword: `x-max-json-bytes`. */
export function createAjv(): Ajv {
  // Strict, but `oneOf: [{required: [a]}, {required: [b]}]` (exactly one of) is plain JSON Schema.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addKeyword({
    keyword: 'x-max-json-bytes',
    schemaType: 'number',
    validate: (max: number, data: unknown) => Buffer.byteLength(JSON.stringify(data)) <= max,
    errors: false,
  });
  return ajv;
}

export class PayloadSchemas {
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly ajv = createAjv();

  /** `closed`: server payloads may carry no property the document does not list. */
  constructor(private readonly closed: boolean) {}

  /** Validation errors of `payload` against the message's payload schema; empty when valid. */
  check(message: DocumentedMessage, payload: unknown, fromServer: boolean): string[] {
    const cacheKey = `${message.key}:${fromServer && this.closed}`;
    let validate = this.compiled.get(cacheKey);
    if (!validate) {
      const schema = withoutParserKeys(message.payload);
      validate = this.ajv.compile((fromServer && this.closed ? closeObjects(schema) : schema) as Schema);
      this.compiled.set(cacheKey, validate);
    }
    if (validate(payload)) return [];
    return (validate.errors ?? []).map(
      (e) =>
        `${e.instancePath || '(payload)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`,
    );
  }
}
