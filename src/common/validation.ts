import { ArgumentMetadata, Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { AppError, FieldErrors } from './errors';

/**
 * Deeper than any real message needs (an SDP or ICE object is two levels); refused before
 * class-transformer, Nest's prototype-key stripping and JSON.stringify recurse into it.
 */
export const MAX_PAYLOAD_DEPTH = 32;

export function tooDeepError(): AppError {
  return new AppError('validation_failed', `The payload is nested more than ${MAX_PAYLOAD_DEPTH} levels deep`);
}

/** Flattens class-validator's tree into `{ "field.path": [messages] }`. */
export function fieldErrors(errors: ValidationError[], prefix = ''): FieldErrors {
  const out: FieldErrors = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) out[path] = Object.values(error.constraints);
    if (error.children?.length) Object.assign(out, fieldErrors(error.children, path));
  }
  return out;
}

export function validationFailed(errors: ValidationError[]): AppError {
  return new AppError('validation_failed', 'Request validation failed', fieldErrors(errors));
}

/** Whether `value` nests objects or arrays more than `limit` levels deep; iterative, so any depth is safe to ask about. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[object, number]> = typeof value === 'object' && value !== null ? [[value, 1]] : [];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (depth > limit) return true;
    if (ArrayBuffer.isView(node)) continue;
    for (const child of Object.values(node) as unknown[]) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * U+0000, or a surrogate without its pair: PostgreSQL text holds neither (a lone surrogate has no
 * UTF-8; the embedded driver even garbles the characters around one), so a string carrying one
 * is the client's mistake, not a database error.
 */
// eslint-disable-next-line no-control-regex -- NUL is what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (value: unknown) => typeof value === 'string' && UNSTORABLE.test(value);
const UNSTORABLE_MESSAGE = 'must not contain NUL characters or unpaired surrogates';

/**
 * Top-level keys that name Object.prototype members (`__proto__`, `constructor`, `valueOf` …) or
 * `prototype`: Nest strips some and class-transformer skips the others without a word, so they
 * would slip past forbidNonWhitelisted. They are reported like any other unknown key.
 */
function prototypeKeyErrors(value: object): FieldErrors {
  const keys = Object.keys(value).filter((key) => key in Object.prototype || key === 'prototype');
  // fromEntries defines own keys: an assignment to out["__proto__"] would set a prototype instead.
  return Object.fromEntries(keys.map((key) => [key, [`property ${key} should not exist`]]));
}

const checkedFieldsOf = new WeakMap<Type, string[]>();

/**
 * The fields of a DTO class that class-validator reads (IsString, IsEmail, IsIn …): all but the
 * opaque payloads that only need to be there (IsDefined) and are relayed as they are.
 */
function checkedFields(dto: Type): string[] {
  let fields = checkedFieldsOf.get(dto);
  if (!fields) {
    const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
    fields = [...new Set(rules.filter((rule) => rule.type === 'customValidation').map((rule) => rule.propertyName))];
    checkedFieldsOf.set(dto, fields);
  }
  return fields;
}

/** Checked before class-validator runs: some of its validators (IsEmail's byte length) throw on a lone surrogate. */
function unstorableFieldErrors(dto: Type, value: object): FieldErrors {
  const out: FieldErrors = {};
  for (const field of checkedFields(dto)) {
    const item = (value as Record<string, unknown>)[field];
    if (Array.isArray(item) ? item.some(unstorable) : unstorable(item)) out[field] = [`${field} ${UNSTORABLE_MESSAGE}`];
  }
  return out;
}

/** How a field of a hot message is checked on the fast path (see declareFastShape). */
export type FastFieldRule = 'id' | 'optional id' | 'payload' | 'boolean' | 'optional boolean';

const fastShapes = new Map<Type, Array<[string, FastFieldRule]>>();

/**
 * Declares the plain shape of a message that arrives many times a second (offer, answer, ICE, a
 * call's moves): a message that plainly has that shape is accepted without class-transformer and
 * class-validator; anything else takes the full path, which alone produces errors. The shape must
 * say no more and no less than the DTO's decorators: `id` is IsString + Length(1, 128), `boolean`
 * is IsBoolean, `optional …` adds IsOptional, `payload` is IsDefined and relayed unchanged
 * (validation.spec.ts checks both paths agree).
 */
export function declareFastShape(dto: Type, shape: Record<string, FastFieldRule>): void {
  fastShapes.set(dto, Object.entries(shape));
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** JSON-like all the way down, no deeper than `limit`, and no prototype-named key anywhere. */
function plainAndShallow(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return false;
    if (Array.isArray(node)) {
      for (const child of node) pending.push([child, depth + 1]);
    } else if (isPlainObject(node)) {
      for (const key in node) {
        if (key in Object.prototype || key === 'prototype') return false;
        pending.push([node[key], depth + 1]);
      }
    } else return false;
  }
  return true;
}

const isId = (value: unknown) => typeof value === 'string' && value.length >= 1 && value.length <= 128 && !UNSTORABLE.test(value);

function fitsRule(rule: FastFieldRule, item: unknown): boolean {
  switch (rule) {
    case 'payload':
      return item !== undefined && item !== null && plainAndShallow(item, MAX_PAYLOAD_DEPTH - 1);
    case 'boolean':
      return typeof item === 'boolean';
    case 'optional boolean':
      return item === undefined || typeof item === 'boolean';
    case 'optional id':
      return item === undefined || isId(item);
    default:
      return isId(item);
  }
}

/** The DTO instance for a message of a declared fast shape, or undefined to take the full path. */
function acceptFast(dto: Type, value: unknown): object | undefined {
  const shape = fastShapes.get(dto);
  if (!shape || !isPlainObject(value)) return undefined;
  for (const key in value) if (!shape.some(([field]) => field === key)) return undefined;
  for (const [field, rule] of shape) {
    const item = value[field];
    if (!fitsRule(rule, item)) return undefined;
  }
  return Object.assign(new dto() as object, value);
}

/**
 * Rejects what class-validator cannot judge or would let through to a crash: payloads that are
 * not objects (arrays, strings), nesting deeper than MAX_PAYLOAD_DEPTH, prototype-named keys,
 * and NUL characters or unpaired surrogates in string fields and route parameters.
 */
class ObjectPayloadValidationPipe extends ValidationPipe {
  constructor(
    options: ConstructorParameters<typeof ValidationPipe>[0],
    private readonly useFastShapes: boolean,
  ) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if ((metadata.type === 'param' || metadata.type === 'query') && unstorable(value)) {
      const field = metadata.data ?? metadata.type;
      throw new AppError('validation_failed', `${field} ${UNSTORABLE_MESSAGE}`, { [field]: [`${field} ${UNSTORABLE_MESSAGE}`] });
    }
    const dto = metadata.metatype && this.toValidate(metadata) ? metadata.metatype : undefined;
    if (!dto) return super.transform(value, metadata) as Promise<unknown>;
    const fast = this.useFastShapes ? acceptFast(dto, value) : undefined;
    if (fast) return fast;
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new AppError('validation_failed', 'The payload must be a JSON object');
    }
    if (nestedDeeperThan(value, MAX_PAYLOAD_DEPTH)) throw tooDeepError();
    if (typeof value === 'object' && value !== null) {
      const refused = { ...prototypeKeyErrors(value), ...unstorableFieldErrors(dto, value) };
      if (Object.keys(refused).length > 0) throw new AppError('validation_failed', 'Request validation failed', refused);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

/**
 * One pipe configuration for HTTP and every gateway: reject unknown fields, report every field.
 * `fastShapes: false` is for the test that proves the fast path agrees with the full one.
 */
export function createValidationPipe({ fastShapes = true } = {}): ValidationPipe {
  return new ObjectPayloadValidationPipe(
    {
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      validationError: { target: false, value: false },
      exceptionFactory: validationFailed,
    },
    fastShapes,
  );
}

const sharedPipe = createValidationPipe();

/**
 * The DTO for a message of a declared fast shape that plainly has it, at once; undefined when it
 * takes validateMessage's full path (which alone gives errors).
 */
export function acceptedAtOnce<T extends object>(dto: Type<T>, message: unknown): T | undefined {
  return acceptFast(dto, message) as T | undefined;
}

/** Validates a plain message against a DTO class outside Nest's handlers (raw-WebSocket dialects). */
export function validateMessage<T extends object>(dto: Type<T>, message: unknown): Promise<T> {
  return sharedPipe.transform(message, { type: 'body', metatype: dto }) as Promise<T>;
}
