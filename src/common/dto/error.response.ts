import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode, type FieldErrors, type toHttpErrorBody } from '../errors';

/** One schema component for the catalogue, shared by every error body and envelope that carries a code. */
export const ERROR_CODE_SCHEMA = { enum: [...ERROR_CODES], enumName: 'ErrorCode' } as const;

/** The HTTP error body of every route outside /api/video (CONTRACT.md §9). */
export class ErrorResponse implements ReturnType<typeof toHttpErrorBody> {
  @ApiProperty({ type: 'integer', description: 'The HTTP status, repeated in the body', example: 404 })
  statusCode: number;

  @ApiProperty({ ...ERROR_CODE_SCHEMA, description: 'The code from the error catalogue, the same in every dialect' })
  code: ErrorCode;

  @ApiProperty({ type: String, description: 'What went wrong, for people; never internal detail', example: 'Call not found' })
  message: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    description: 'The messages per field, for `validation_failed` (and a taken email or room name)',
    example: { email: ['email must be an email address'] },
  })
  details?: FieldErrors;
}
