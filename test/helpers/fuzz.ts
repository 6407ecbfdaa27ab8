import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PrismaService } from '../../src/database/prisma.service';

/**
 * Shared parts of the fuzz suites (test/fuzz): adversarial values, payload cases with the outcome
 * the contract promises for each, the checks every reply must pass, and the measures of "nothing
 * changed" (database, heap, prototypes).
 */

/** Cases per surface after a 200-case warm-up: a few thousand in CI; FUZZ_RUNS raises it for a long local hunt. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 2500);
/** Time for one fuzz test: generous for a busy CI machine, and growing with FUZZ_RUNS. */
export const FUZZ_TIMEOUT_MS = Math.max(120_000, FUZZ_RUNS * 100);

/**
 * FUZZ_SEED replays the main run of a reported failure (fast-check prints the seed), stopping at
 * the first failing case unshrunk: shrinking replays cases against a server a failure may have left changed.
 */
const replay = process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED), endOnFailure: true } : {};

// ---------------------------------------------------------------- outcomes

/** CONTRACT.md §9, written out again on purpose: the server is checked against the contract, not against itself. */
export const CONTRACT_CODES = [
  'unauthorized',
  'forbidden',
  'not_found',
  'validation_failed',
  'user_busy',
  'invalid_state',
  'rate_limited',
  'payload_too_large',
  'internal',
] as const;
export type ErrorCode = (typeof CONTRACT_CODES)[number];
/** What a case may get: an error with one of these codes, or (for harmless requests) success. */
export type Outcome = ErrorCode | 'ok';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  validation_failed: 400,
  user_busy: 409,
  invalid_state: 409,
  rate_limited: 429,
  payload_too_large: 413,
  internal: 500,
};

/** Traces of the server's insides: stack frames, source paths, ORM and runtime error names. */
const LEAKS = [
  /\bat .*:\d+:\d+/,
  /[\\/](src|dist|node_modules)[\\/]\S*\.(ts|js)\b/,
  /\.(ts|js):\d+/,
  /Prisma|Invalid `|TypeError|RangeError|SyntaxError|ReferenceError/,
];

/** Fails when `reply` carries anything of the server's internals. */
export function expectNoLeak(reply: unknown): void {
  const text = JSON.stringify(reply) ?? '';
  for (const leak of LEAKS) expect(text).not.toMatch(leak);
}

/** An error body `{code, message, details?}` with a code the case allows; never `internal`. */
export function expectErrorBody(error: unknown, allowed: readonly Outcome[]): ErrorCode {
  expect(error).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
  const { code, message } = error as { code: ErrorCode; message: string };
  expect(CONTRACT_CODES).toContain(code);
  expect(code).not.toBe('internal');
  expect(allowed).toContain(code);
  expect(message.length).toBeGreaterThan(0);
  expectNoLeak(error);
  return code;
}

// ---------------------------------------------------------------- values

/** Strings that have tripped parsers, databases and templates before. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\t\n',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF\uD800',
  '\uFE0F',
  '🙂',
  'e\u0301',
  '\u202Eevil',
  '\u2028',
  '%00',
  '%s%n%x',
  '../../etc/passwd',
  "'; DROP TABLE calls; --",
  '{{7*7}}',
  '${7*7}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e308',
  'true',
  '[]',
  '{}',
  '0',
  '-1',
  '00000000-0000-0000-0000-000000000000',
];

const oddUnit = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 6 },
  { arbitrary: fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uFE0F', '\uFEFF', '\u0000', '\u200B'), weight: 1 },
);

/** Any short string: control characters, lone surrogates, NUL, emoji, the classics. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ unit: oddUnit, maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

/** What PostgreSQL text cannot hold: U+0000 and unpaired surrogates. The server refuses both in string fields. */
// eslint-disable-next-line no-control-regex -- NUL is what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
export const isStorable = (s: string) => !s.match(UNSTORABLE);
const storable = (s: string) => s.replace(UNSTORABLE, '');
/** A character that must be refused in any string field: a NUL, or a lone surrogate behind a 3-byte character. */
const unstorableChar = fc.constantFrom('\u0000', '\uD800', '\uDFFF', '╲\uDC00');

/**
 * A string of at least `length` characters as class-validator counts them (an emoji is one);
 * cut to `maxBytes` as JSON (a NUL takes six) so a frame stays under the transports' size limit
 * (over it they close the connection, by design).
 */
export function longString(length: fc.Arbitrary<number>, maxBytes = 60_000): fc.Arbitrary<string> {
  return fc.tuple(length, fc.constantFrom('a', 'é', '🙂', 'ab\u0000')).map(([n, unit]) => {
    const unitBytes = Buffer.byteLength(JSON.stringify(unit)) - 2;
    return unit.repeat(Math.max(1, Math.min(n, Math.floor(maxBytes / unitBytes))));
  });
}

/** A JSON string over MAX_SIGNAL_BYTES (64 KiB) that still fits one frame. */
export const oversizeSignal = fc.integer({ min: 65_600, max: 70_000 }).map((n) => 'x'.repeat(n));

/** Numbers that are not what anyone meant: NaN and the infinities travel as null in JSON. */
export const weirdNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1.5, 0.1),
  fc.double(),
);

/** Socket.IO sends these as binary attachments. */
export const binary = fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes));

/** Nested `levels` deep, as arrays or objects (the leaf is a string). */
export function nested(levels: number, asArrays: boolean): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = asArrays ? [value] : { n: value };
  return value;
}

/** Deeper than MAX_PAYLOAD_DEPTH (32) allows, up to 1000 levels. */
export const tooDeep = fc.tuple(fc.integer({ min: 34, max: 1000 }), fc.boolean()).map(([levels, asArrays]) => nested(levels, asArrays));

/** JSON without a top-level null: what an opaque signaling payload may be. */
export const opaqueValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).filter((v) => v !== null),
  fc.constantFrom(
    { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' },
    { candidate: 'candidate:1 1 UDP 1 10.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
  ),
  nastyString,
  binary,
);

/** Anything a client could put in a message: JSON, odd numbers, binary, deep or prototype-keyed objects. */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  nastyString,
  weirdNumber,
  binary,
  tooDeep,
  fc.constant(undefined),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
);

/** Ids that name nothing: uuids, numbers (raw-WebSocket seeds send them), odd strings up to the length limit. */
export const bogusId: fc.Arbitrary<string | number> = fc.oneof(
  fc.uuid(),
  fc.integer({ min: 0, max: 2 ** 31 }),
  fc
    .string({ unit: oddUnit, minLength: 1, maxLength: 20 })
    .map(storable)
    .filter((s) => validatorLength(s) >= 1),
  fc.constantFrom('x', 'a'.repeat(128), '🙂'.repeat(64), '..', 'user', '<script>', "' OR 1=1 --", '00000000-0000-0000-0000-000000000000'),
);

/**
 * class-validator's idea of a string's length: presentation selectors and surrogate pairs do
 * not count (validator.js isLength), so "\uFE0F" is empty to it.
 */
export function validatorLength(s: string): number {
  return s.length - (s.match(/\uFE0F|\uFE0E/g)?.length ?? 0) - (s.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);
}

/** An object from JSON text, so "__proto__" and "constructor" become own keys as they do on the server. */
export function withOwnKey(payload: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const entries = Object.entries(payload).filter(([, v]) => v !== undefined);
  const body = [[key, value], ...entries].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
  return JSON.parse(`{${body}}`) as Record<string, unknown>;
}

/** The keys prototype pollution is tried with, each carrying a marker that must never reach a prototype. */
export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'valueOf', 'toString', 'hasOwnProperty'] as const;
const pollutionValue = (key: string) => (key === 'constructor' ? { prototype: { polluted: 'yes' } } : { polluted: 'yes' });

/** Fails when a fuzz payload reached Object.prototype (the app runs in this realm). */
export function expectNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
}

// ---------------------------------------------------------------- payload shapes

/** A DTO field, as the server validates it. */
export type Field =
  /** @Transform(toIdString) @IsString @Length(1, max = 128): strings, or safe integers read as strings. */
  | { type: 'id'; valid: fc.Arbitrary<unknown>; max?: number }
  /** @IsString with a length; `valid` narrows what is generated (a pattern, a pool of ids). */
  | { type: 'text'; min?: number; max: number; valid?: fc.Arbitrary<string> }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly string[] }
  /** @IsDefined: relayed as it is (signals), anything but null. */
  | { type: 'opaque' }
  /** @IsArray of @IsString @Length(1, 128), at most `max` items. */
  | { type: 'ids'; max: number; valid: fc.Arbitrary<string> };

export interface Shape {
  required: Record<string, Field>;
  optional?: Record<string, Field>;
}

export type Payload = Record<string, unknown>;

/** One fuzz case: what is sent and what the contract allows in return. */
export interface Case {
  label: string;
  payload: unknown;
  expect: readonly Outcome[];
}

function validValue(field: Field): fc.Arbitrary<unknown> {
  switch (field.type) {
    case 'id':
      return field.valid;
    case 'text':
      return (
        field.valid ??
        fc
          .oneof(
            fc.string({ unit: oddUnit, minLength: field.min ?? 0, maxLength: Math.min(field.max, 60) }),
            fc.constant('y'.repeat(field.max)),
          )
          .map(storable)
          .filter((s) => isStorable(s) && validatorLength(s) >= (field.min ?? 0))
      );
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...field.values);
    case 'opaque':
      return opaqueValue;
    case 'ids':
      return fc.array(field.valid, { maxLength: field.max });
  }
}

/** Values JSON carries as null: an optional field lets them through, a required one does not. */
const nullish = fc.constantFrom(null, NaN, Infinity);
const notAString = fc.oneof(fc.boolean(), fc.constant({}), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }), binary, tooDeep);

function invalidValue(field: Field, required: boolean): fc.Arbitrary<unknown> {
  const missing = required ? [nullish] : [];
  switch (field.type) {
    case 'id':
      return fc.oneof(
        ...missing,
        notAString,
        fc.constantFrom(1.5, -0.5, 2 ** 53 + 2, 1e21, -1e308),
        fc.constant(''),
        longString(fc.integer({ min: (field.max ?? 128) + 1, max: 2000 })),
        fc.tuple(fc.string({ maxLength: 10 }), unstorableChar).map(([s, c]) => `${s}${c}`),
      );
    case 'text':
      return fc.oneof(
        ...missing,
        notAString,
        fc.integer(),
        longString(fc.integer({ min: field.max + 1, max: Math.max(field.max * 3, 600) })),
        ...(field.min ? [fc.constant('')] : []),
        fc.tuple(fc.string({ maxLength: 10 }), unstorableChar).map(([s, c]) => `${s}${c}${s}`),
      );
    case 'boolean':
      return fc.oneof(...missing, fc.constantFrom('true', 'false', 0, 1, '', 'yes'), fc.constant({}), fc.constant([true]));
    case 'enum':
      return fc.oneof(
        ...missing,
        nastyString.filter((s) => !field.values.includes(s)),
        fc.integer(),
        notAString,
        fc.constant(field.values.map((v) => v.toUpperCase())),
      );
    case 'opaque':
      return fc.constantFrom(null, NaN);
    case 'ids':
      return fc.oneof(
        ...missing,
        fc.constantFrom('x', 5, {}, true),
        fc.array(fc.constant('x'), { minLength: field.max + 1, maxLength: field.max + 20 }),
        fc.array(fc.oneof(fc.constant(''), fc.integer(), fc.constant({}), unstorableChar, longString(fc.constant(129))), {
          minLength: 1,
          maxLength: 3,
        }),
      );
  }
}

/** Payloads the DTO accepts: every required field, each optional one or not. */
export function wellTyped(shape: Shape): fc.Arbitrary<Payload> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, field] of Object.entries(shape.required)) model[key] = validValue(field);
  const optional = Object.entries(shape.optional ?? {});
  for (const [key, field] of optional) model[key] = validValue(field);
  return fc.record(model, { requiredKeys: Object.keys(shape.required) });
}

/** The raw-WebSocket dialects name a message by one of these keys, next to its fields. */
const MESSAGE_NAME_KEYS = ['action', 'type'];

const declaredKeys = (shape: Shape) => [...Object.keys(shape.required), ...Object.keys(shape.optional ?? {})];

/**
 * The cases for one message shape, each with the outcome the contract promises:
 * - well-typed (the right fields, ids that name nothing or nothing of the sender's): `outcome`;
 * - one field of the wrong type, empty, too long, with a NUL, or a required one missing; an
 *   unknown extra key (among them "__proto__", "constructor", "prototype", "valueOf"); a payload
 *   that is not an object; nesting over 32 levels: validation_failed;
 * - a signaling payload over MAX_SIGNAL_BYTES (shapes with an opaque field): payload_too_large.
 */
export function shapeCases(
  shape: Shape,
  outcome: (payload: Payload) => readonly Outcome[],
  options: { wellTyped?: boolean } = {},
): fc.Arbitrary<Case> {
  const valid = wellTyped(shape);
  const keys = declaredKeys(shape);
  const fields = Object.entries({ ...shape.required, ...shape.optional });
  const isRequired = (key: string) => key in shape.required;
  const opaque = fields.filter(([, f]) => f.type === 'opaque').map(([k]) => k);
  const rejected = ['validation_failed'] as const;

  const oneBadField = fc
    .tuple(valid, fc.constantFrom(...fields))
    .chain(([payload, [key, field]]) =>
      fc.oneof(
        invalidValue(field, isRequired(key)).map((bad) => ({ ...payload, [key]: bad })),
        ...(isRequired(key) ? [fc.constant(Object.fromEntries(Object.entries(payload).filter(([k]) => k !== key)))] : []),
      ),
    )
    .map((payload): Case => ({ label: 'one bad field', payload, expect: rejected }));

  // Prototype-named keys are the pollution cases' job: with a binary value socket.io-client itself
  // drops such a key (its binary encoder rebuilds the payload by assignment), so the server never sees it.
  const unknownKey = (k: string) =>
    !keys.includes(k) && !MESSAGE_NAME_KEYS.includes(k) && !(POLLUTION_KEYS as readonly string[]).includes(k);
  const extraKey = fc
    .tuple(valid, fc.string({ minLength: 1, maxLength: 20 }).filter(unknownKey), junkValue)
    .map(([payload, key, value]): Case => ({ label: 'unknown key', payload: { ...payload, [key]: value ?? 1 }, expect: rejected }));

  const pollution = fc
    .tuple(valid, fc.constantFrom(...POLLUTION_KEYS))
    .map(([payload, key]): Case => ({ label: `${key} key`, payload: withOwnKey(payload, key, pollutionValue(key)), expect: rejected }));

  const notAnObject = fc
    .oneof(
      nastyString,
      weirdNumber,
      fc.boolean(),
      fc.constant(null),
      binary,
      valid.map((p) => [p]),
      fc.array(junkValue, { maxLength: 3 }),
    )
    .map((payload): Case => ({ label: 'not an object', payload, expect: rejected }));

  const deep = fc
    .tuple(valid, fc.constantFrom(...(opaque.length ? opaque : keys)), tooDeep)
    .map(([payload, key, value]): Case => ({ label: 'too deep', payload: { ...payload, [key]: value }, expect: rejected }));

  const oversize = opaque.length
    ? [
        fc.tuple(valid, fc.constantFrom(...opaque), oversizeSignal).map(([payload, key, big]): Case => ({
          label: 'oversize signal',
          payload: { ...payload, [key]: big },
          expect: ['payload_too_large'],
        })),
      ]
    : [];

  return fc.oneof(
    // Left out where any valid payload would change something (it would open a room).
    ...(options.wellTyped === false
      ? []
      : [{ arbitrary: valid.map((payload): Case => ({ label: 'well-typed', payload, expect: outcome(payload) })), weight: 4 }]),
    { arbitrary: oneBadField, weight: 4 },
    { arbitrary: extraKey, weight: 1 },
    { arbitrary: pollution, weight: 1 },
    { arbitrary: notAnObject, weight: 1 },
    { arbitrary: deep, weight: 1 },
    ...oversize.map((arbitrary) => ({ arbitrary, weight: 1 })),
  );
}

/** Event (or action, or route) names no server handles: random strings, near misses of real ones. */
export function unknownNames(known: readonly string[]): fc.Arbitrary<string> {
  const nearMisses = known.flatMap((name) => [name.toUpperCase(), `${name} `, `${name}\u0000`, name.slice(0, -1)]);
  return fc
    .oneof(fc.string({ unit: oddUnit, minLength: 1, maxLength: 30 }), fc.constantFrom(...nearMisses, ...NASTY_STRINGS.filter(Boolean)))
    .filter((name) => !known.includes(name));
}

// ---------------------------------------------------------------- "nothing changed"

/** Every row the fuzzing could have written (users without their presence timestamps). */
export async function databaseState(app: INestApplication): Promise<unknown> {
  const db = app.get(PrismaService);
  const byId = { orderBy: { id: 'asc' as const } };
  return {
    users: await db.user.findMany({
      ...byId,
      select: { id: true, email: true, displayName: true, avatarUrl: true, role: true, mentorStatus: true, statusMessage: true },
    }),
    calls: await db.call.findMany(byId),
    busySlots: await db.busySlot.findMany({ orderBy: { userId: 'asc' } }),
    roomSlots: await db.roomSlot.findMany({ orderBy: { roomName: 'asc' } }),
    participants: await db.callParticipant.findMany(byId),
    callEvents: await db.callEvent.findMany(byId),
    conversations: await db.conversation.findMany(byId),
    members: await db.conversationMember.findMany({ orderBy: [{ conversationId: 'asc' }, { userId: 'asc' }] }),
    messages: await db.message.findMany(byId),
    attachments: await db.attachment.findMany(byId),
    helpRequests: await db.helpRequest.findMany(byId),
  };
}

/**
 * The database once the set-up's background work (call records, read pointers) has landed:
 * two reads in a row agree.
 */
export async function settledDatabaseState(app: INestApplication): Promise<unknown> {
  let previous = await databaseState(app);
  for (let attempt = 0; attempt < 50; attempt++) {
    await new Promise((done) => setTimeout(done, 100));
    const current = await databaseState(app);
    if (isDeepStrictEqual(current, previous)) return current;
    previous = current;
  }
  throw new Error('The database kept changing after the set-up');
}

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Heap in use after full collections: what the process really holds. */
export function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** How much the heap may grow over a fuzz run before it counts as a leak. */
export const HEAP_GROWTH_LIMIT_BYTES = 24 * 1024 * 1024;

/**
 * Runs `property` for a short warm-up (JIT, caches and pools fill up), then for `numRuns`, and
 * fails if the heap after GC grew by more than HEAP_GROWTH_LIMIT_BYTES across the main run.
 */
export async function fuzzWithHeapCheck<T>(
  arbitrary: fc.Arbitrary<T>,
  check: (value: T) => Promise<void>,
  numRuns = FUZZ_RUNS,
): Promise<void> {
  const property = fc.asyncProperty(arbitrary, check);
  await fc.assert(property, { numRuns: Math.min(200, numRuns) });
  const before = heapAfterGc();
  await fc.assert(property, { numRuns, ...replay });
  const growth = heapAfterGc() - before;
  expect(growth).toBeLessThan(HEAP_GROWTH_LIMIT_BYTES);
}

/** Percent-encodes every byte but the unreserved ones (dots too), so a value is one path segment or query part, as it is. */
export function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9_~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** Path segments a URL decoder refuses or turns into a NUL. */
export const BROKEN_SEGMENTS = ['%00', 'a%00b', '%', '%zz', '%E0%A4%A', '%C0%AF', '%FF'] as const;
