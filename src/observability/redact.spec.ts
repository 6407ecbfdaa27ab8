import { redact, redactText } from './redact';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLWJ5dGVz';

describe('redactText', () => {
  it.each([
    ['/ws/call/?token=abc.def.ghi', '/ws/call/?token=[REDACTED]'],
    ['/socket.io/?EIO=4&token=abc&transport=polling', '/socket.io/?EIO=4&token=[REDACTED]&transport=polling'],
    ['/cb?access_token=abc#frag', '/cb?access_token=[REDACTED]#frag'],
    ['email=a%40b.c&password=hunter2', 'email=a%40b.c&password=[REDACTED]'],
    ['Authorization: Basic dXNlcjpwYXNz', 'Authorization: [REDACTED]'],
    ['header bearer abc.def.ghi was refused', 'header bearer [REDACTED] was refused'],
    ['{"email":"a@b.c","password":"hun\\"ter2","n":1}', '{"email":"a@b.c","password":"[REDACTED]","n":1}'],
    [`failed for ${JWT} today`, 'failed for [REDACTED] today'],
    ['connect postgresql://app:s3cret@db:5432/calls failed', 'connect postgresql://app:[REDACTED]@db:5432/calls failed'],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it('leaves ordinary text alone', () => {
    const text = 'GET /calls/user/history?limit=20&status=ENDED 200 (tokens issued: 3)';
    expect(redactText(text)).toBe(text);
  });
});

describe('redact', () => {
  it('replaces secret-keyed values and redacts every string, deeply, without touching the input', () => {
    const input = {
      user: { id: 'u1', password: 'hunter2' },
      headers: { authorization: 'Bearer x', host: 'h' },
      accessToken: JWT,
      urls: [`/ws?token=${JWT}`],
    };
    expect(redact(input)).toEqual({
      user: { id: 'u1', password: '[REDACTED]' },
      headers: { authorization: '[REDACTED]', host: 'h' },
      accessToken: '[REDACTED]',
      urls: ['/ws?token=[REDACTED]'],
    });
    expect(input.user.password).toBe('hunter2');
  });

  it("redacts an error's message and stack, and survives cycles", () => {
    const error = new Error(`bad token ${JWT}`);
    const redacted = redact(error);
    expect(redacted).toBeInstanceOf(Error);
    expect(redacted.message).toBe('bad token [REDACTED]');
    expect(redacted.stack).not.toContain(JWT);
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ name: 'a', self: '[…]' });
  });
});
