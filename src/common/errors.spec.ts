import { ClientOfflineError, SocketClosedUnexpectedlyError } from 'redis';
import { AppError, asAppError, httpStatusOf, isUnexpected, toErrorBody } from './errors';

describe('errors as clients see them (CONTRACT.md §9)', () => {
  it('answers a Redis connection lost under a request as unavailable (503), with when to try again', () => {
    for (const lost of [new SocketClosedUnexpectedlyError(), new ClientOfflineError()]) {
      const error = asAppError(lost);
      expect(toErrorBody(error)).toEqual({
        code: 'unavailable',
        message: expect.stringMatching(/briefly unavailable/),
        details: { retryAfterMs: 1000 },
      });
      expect(httpStatusOf(error.code)).toBe(503);
    }
  });

  it('keeps a database out of reach internal, saying so, and anything else internal without detail', () => {
    expect(toErrorBody(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toEqual({
      code: 'internal',
      message: 'The database is unavailable; try again shortly',
    });
    expect(toErrorBody(new TypeError('x is undefined'))).toEqual({ code: 'internal', message: 'Internal server error' });
  });

  it('logs with a stack only what no rule expected: not a refusal, nor Redis briefly away', () => {
    expect(isUnexpected(new AppError('user_busy', 'busy'))).toBe(false);
    expect(isUnexpected(new ClientOfflineError())).toBe(false);
    expect(isUnexpected(new TypeError('x is undefined'))).toBe(true);
    expect(isUnexpected(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
  });
});
