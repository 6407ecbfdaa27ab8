import { applyDecorators } from '@nestjs/common';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** The longest length limit a call may ask for: a day. */
export const MAX_CALL_LIMIT_S = 86_400;

/** (ext) An optional length limit in whole seconds (a call's `maxDurationS`, an extension's `extraS` is `required`). */
export function LimitSeconds(options: { optional: boolean } = { optional: true }) {
  const checks = [IsInt(), Min(1), Max(MAX_CALL_LIMIT_S)];
  return applyDecorators(...(options.optional ? [IsOptional(), ...checks] : checks));
}
