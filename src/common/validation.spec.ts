import type { Type } from '@nestjs/common';
import fc from 'fast-check';
import { RegisterDto } from '../auth/dto/register.dto';
import { CallIdDto } from '../calls/dto/call-id.dto';
import { StartCallDto } from '../calls/dto/start-call.dto';
import { IceCandidateDto, JoinCallDto, SignalDto } from '../signaling/dto/calls.dto';
import { WebrtcIceDto, WebrtcSdpDto } from '../signaling/dto/webrtc.dto';
import { AnswerMessage, IceCandidateMessage, OfferMessage } from '../signaling/raw-ws/ws-call.dto';
import { AppError } from './errors';
import { acceptedAtOnce, createValidationPipe, MAX_PAYLOAD_DEPTH, nestedDeeperThan, validateMessage } from './validation';

/** The payload as JSON text would give it: "__proto__" becomes an own key. */
const parsed = (json: string) => JSON.parse(json) as unknown;

async function refusal(dto: Parameters<typeof validateMessage>[0], payload: unknown): Promise<AppError> {
  const error = await validateMessage(dto, payload).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('validation_failed');
  return error as AppError;
}

function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe('validation pipe', () => {
  it('measures nesting without recursion, however deep', () => {
    expect(nestedDeeperThan({ a: { b: 1 } }, 2)).toBe(false);
    expect(nestedDeeperThan({ a: { b: {} } }, 2)).toBe(true);
    expect(nestedDeeperThan(nested(1_000_000), MAX_PAYLOAD_DEPTH)).toBe(true);
    // Binary attachments are one level, not a level per byte.
    expect(nestedDeeperThan({ data: Buffer.alloc(100_000) }, 2)).toBe(false);
    expect(nestedDeeperThan('text', 0)).toBe(false);
  });

  it('refuses nesting over the limit, even inside an opaque signal', async () => {
    const signal = { targetSocketId: 'x', signal: nested(MAX_PAYLOAD_DEPTH) };
    await expect(validateMessage(SignalDto, { ...signal, signal: nested(MAX_PAYLOAD_DEPTH - 1) })).resolves.toBeInstanceOf(SignalDto);
    expect((await refusal(SignalDto, signal)).message).toMatch(/nested more than 32 levels/);
    await refusal(SignalDto, { ...signal, signal: nested(200_000) });
  });

  it('reports keys named for Object.prototype members as unknown fields', async () => {
    for (const key of ['__proto__', 'constructor', 'prototype', 'valueOf', 'hasOwnProperty']) {
      const error = await refusal(SignalDto, parsed(`{"targetSocketId":"x","signal":1,"${key}":{"polluted":"yes"}}`));
      expect(Object.keys(error.details as object)).toEqual([key]);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses NUL and unpaired surrogates in checked fields, before any validator throws on them', async () => {
    const register = { email: 'a@example.test', password: 'long enough', displayName: 'Ada', role: 'student' };
    await expect(validateMessage(RegisterDto, register)).resolves.toBeInstanceOf(RegisterDto);
    for (const [field, value] of [
      ['email', '╲\uDC00@example.test'],
      ['displayName', 'A\u0000da'],
      ['password', 'long enough\uD800'],
    ]) {
      const error = await refusal(RegisterDto, { ...register, [field]: value });
      expect(error.details).toEqual({ [field]: [`${field} must not contain NUL characters or unpaired surrogates`] });
    }
  });

  it('relays opaque payloads as they are, NUL and lone surrogates included', async () => {
    const dto = await validateMessage(SignalDto, { targetSocketId: 'x', signal: { sdp: 'a\u0000\uD800' } });
    expect(dto.signal).toEqual({ sdp: 'a\u0000\uD800' });
  });
});

/** Both validation paths, and what each makes of a message. */
const full = createValidationPipe({ fastShapes: false });
const fast = createValidationPipe();
const judge = (pipe: ReturnType<typeof createValidationPipe>, dto: Type, value: unknown) =>
  pipe.transform(value, { type: 'body', metatype: dto }).then(
    (accepted: object) => ({ accepted: JSON.stringify(accepted), type: accepted.constructor }),
    (error: AppError) => ({ refused: error.code, details: error.details }),
  );

describe('fast shapes of relayed messages', () => {
  /** Each DTO with its peer field, its payload field and its optional call id field. */
  const SHAPES: Array<[Type, string, string, string | null]> = [
    [SignalDto, 'targetSocketId', 'signal', null],
    [IceCandidateDto, 'targetSocketId', 'candidate', null],
    [WebrtcSdpDto, 'to', 'sdp', 'callId'],
    [WebrtcIceDto, 'to', 'candidate', 'callId'],
    [OfferMessage, 'callee_id', 'offer', 'call_id'],
    [AnswerMessage, 'caller_id', 'answer', 'call_id'],
    [IceCandidateMessage, 'peer_id', 'candidate', 'call_id'],
  ];
  const ids = fc.oneof(
    fc.string({ minLength: 1, maxLength: 128 }),
    fc.constantFrom('', 'x'.repeat(128), 'x'.repeat(129), 'a\u0000b', '\ud800', 7, 1.5, null, true, {}, []),
  );
  const payloads = fc.oneof(
    fc.jsonValue(),
    fc.constantFrom(null, nested(MAX_PAYLOAD_DEPTH - 1), nested(MAX_PAYLOAD_DEPTH), parsed('{"__proto__": {"polluted": true}}'), {
      data: Buffer.from('binary'),
    }),
  );
  /** A deep copy (the full path edits what it is given) that keeps buffers and own "__proto__" keys. */
  const copy = (value: unknown): unknown => {
    if (Buffer.isBuffer(value)) return Buffer.from(value);
    if (Array.isArray(value)) return value.map(copy);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)]));
    return value;
  };
  const extraKeys = fc.array(fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor'), fc.jsonValue()), { maxLength: 1 });

  it.each(SHAPES)('%p: accepts and refuses exactly what the full validation does', async (dto, peerField, payloadField, callIdField) => {
    // Built from entries, as JSON.parse would: "__proto__" is an own key, never a prototype.
    const message = fc
      .record({
        peer: fc.option(ids, { nil: undefined }),
        payload: fc.option(payloads, { nil: undefined }),
        callId: fc.option(ids, { nil: undefined }),
        extra: extraKeys,
      })
      .map(({ peer, payload, callId, extra }) =>
        Object.fromEntries([
          ...(peer === undefined ? [] : [[peerField, peer]]),
          ...(payload === undefined ? [] : [[payloadField, payload]]),
          ...(callId === undefined || !callIdField ? [] : [[callIdField, callId]]),
          ...extra,
        ]),
      );
    await fc.assert(
      fc.asyncProperty(message, async (value) => {
        const viaFull = await judge(full, dto, copy(value));
        const viaFast = await judge(fast, dto, copy(value));
        expect(viaFast).toEqual(viaFull);
      }),
      { numRuns: 400 },
    );
    // And the usual message takes the fast path: the full one would have copied the payload.
    const payload = { type: 'offer', sdp: 'v=0' };
    const accepted = (await fast.transform({ [peerField]: 'peer', [payloadField]: payload }, { type: 'body', metatype: dto })) as Record<
      string,
      unknown
    >;
    expect(accepted).toBeInstanceOf(dto);
    expect(accepted[payloadField]).toBe(payload);
  });
});

describe("fast shapes of a call's moves", () => {
  const anything = fc.oneof(
    fc.string({ minLength: 0, maxLength: 130 }),
    fc.boolean(),
    fc.constantFrom('x'.repeat(128), 'x'.repeat(129), 'a\u0000b', '\ud800', 7, 1.5, null, 'true', 0, {}, []),
  );
  /** Optional fields the fast shapes leave to the full path. */
  const FULL_PATH_ONLY = ['userName', 'title', 'maxDurationS'];
  /** Each DTO with its fields; any field may be missing or of any kind, and a key of no field may come along. */
  const SHAPES: Array<[Type, string[]]> = [
    [CallIdDto, ['callId']],
    [JoinCallDto, ['callId', 'hasVideo', 'hasAudio', 'userName']],
    [StartCallDto, ['recipientUserId', 'hasVideo', 'isPrivate', 'title', 'maxDurationS']],
  ];

  it.each(SHAPES)('%p: accepts and refuses exactly what the full validation does', async (dto, fields) => {
    const message = fc
      .tuple(
        fc.array(fc.tuple(fc.constantFrom(...fields), anything), { maxLength: fields.length + 1 }),
        fc.array(fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor'), fc.jsonValue()), { maxLength: 1 }),
      )
      .map(([entries, extra]) => Object.fromEntries([...entries, ...extra]));
    const usual = Object.fromEntries(fields.filter((f) => !FULL_PATH_ONLY.includes(f)).map((f) => [f, /Id$/.test(f) ? 'id-1' : true]));
    // The usual message takes the fast path.
    expect(acceptedAtOnce(dto, usual)).toBeInstanceOf(dto);
    await fc.assert(
      fc.asyncProperty(fc.oneof(message, fc.constant(usual)), async (value) => {
        expect(await judge(fast, dto, { ...value })).toEqual(await judge(full, dto, { ...value }));
      }),
      { numRuns: 400 },
    );
  });
});
