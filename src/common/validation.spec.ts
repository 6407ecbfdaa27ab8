import { RegisterDto } from '../auth/dto/register.dto';
import { SignalDto } from '../signaling/dto/seed002.dto';
import { AppError } from './errors';
import { MAX_PAYLOAD_DEPTH, nestedDeeperThan, validateMessage } from './validation';

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
    for (const [field, value] of [['email', '╲\uDC00@example.test'], ['displayName', 'A\u0000da'], ['password', 'long enough\uD800']]) {
      const error = await refusal(RegisterDto, { ...register, [field]: value });
      expect(error.details).toEqual({ [field]: [`${field} must not contain NUL characters or unpaired surrogates`] });
    }
  });

  it('relays opaque payloads as they are, NUL and lone surrogates included', async () => {
    const dto = await validateMessage(SignalDto, { targetSocketId: 'x', signal: { sdp: 'a\u0000\uD800' } });
    expect(dto.signal).toEqual({ sdp: 'a\u0000\uD800' });
  });
});
