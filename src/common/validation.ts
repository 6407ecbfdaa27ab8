import { ArgumentMetadata, Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, FieldErrors } from './errors';

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

/** Rejects payloads that are not objects (arrays, strings) before class-validator reads them. */
class ObjectPayloadValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata) {
    const expectsDto = metadata.type === 'body' && metadata.metatype && this.toValidate(metadata);
    if (expectsDto && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new AppError('validation_failed', 'The payload must be a JSON object');
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
