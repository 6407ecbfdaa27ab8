import { ArgumentMetadata, Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { AppError, FieldErrors } from './errors';

/**
 * Deeper than any real message needs (an SDP or ICE object is two levels); refused before
 * class-transformer, Nest's prototype-key stripping and JSON.stringify recurse into it.
 */
export const MAX_PAYLOAD_DEPTH = 32;

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
    for (const child of Object.values(node)) {
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

/**
 * Rejects what class-validator cannot judge or would let through to a crash: payloads that are
 * not objects (arrays, strings), nesting deeper than MAX_PAYLOAD_DEPTH, prototype-named keys,
 * and NUL characters or unpaired surrogates in string fields and route parameters.
 */
class ObjectPayloadValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata) {
    if ((metadata.type === 'param' || metadata.type === 'query') && unstorable(value)) {
      const field = metadata.data ?? metadata.type;
      throw new AppError('validation_failed', `${field} ${UNSTORABLE_MESSAGE}`, { [field]: [`${field} ${UNSTORABLE_MESSAGE}`] });
    }
    const dto = metadata.metatype && this.toValidate(metadata) ? (metadata.metatype as Type) : undefined;
    if (!dto) return super.transform(value, metadata);
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new AppError('validation_failed', 'The payload must be a JSON object');
    }
    if (nestedDeeperThan(value, MAX_PAYLOAD_DEPTH)) {
      throw new AppError('validation_failed', `The payload is nested more than ${MAX_PAYLOAD_DEPTH} levels deep`);
    }
    if (typeof value === 'object' && value !== null) {
      const refused = { ...prototypeKeyErrors(value), ...unstorableFieldErrors(dto, value) };
      if (Object.keys(refused).length > 0) throw new AppError('validation_failed', 'Request validation failed', refused);
    }
    return super.transform(value, metadata);
  }
}

/** One pipe configuration for HTTP and every gateway: reject unknown fields, report every field. */
export function createValidationPipe(): ValidationPipe {
  return new ObjectPayloadValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: validationFailed,
  });
}

const sharedPipe = createValidationPipe();

/** Validates a plain message against a DTO class outside Nest's handlers (raw-WebSocket dialects). */
export function validateMessage<T extends object>(dto: Type<T>, message: unknown): Promise<T> {
  return sharedPipe.transform(message, { type: 'body', metatype: dto }) as Promise<T>;
}
