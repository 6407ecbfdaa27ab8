import { createLogger, flushLogs } from './app-logger';

/** Runs `work` with stdout and stderr captured; returns what was written. */
function capture(work: () => void): { stdout: string; stderr: string } {
  const written = { stdout: '', stderr: '' };
  const spies = (['stdout', 'stderr'] as const).map((stream) =>
    jest.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      written[stream] += chunk.toString();
      return true;
    }),
  );
  try {
    work();
    flushLogs();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written;
}

describe('AppLogger', () => {
  const json = createLogger({ logFormat: 'json', logLevel: 'log' });

  it('writes one JSON object per line with time, level, context, msg and the structured fields', () => {
    const { stdout } = capture(() => json.log({ msg: 'call moved', callId: 'c1', to: 'ACTIVE', level: 'x' }, 'Calls'));
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      level: 'log',
      context: 'Calls',
      msg: 'call moved',
      callId: 'c1',
      to: 'ACTIVE',
      field_level: 'x',
    });
  });

  it("puts an error's stack in a field, on stderr, on the same line", () => {
    const error = new Error('boom');
    const { stdout, stderr } = capture(() => json.error(error, 'Worker'));
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'error',
      context: 'Worker',
      msg: 'boom',
      error: 'Error',
      stack: expect.stringContaining('at '),
    });
    // Nest's (message, stack, context) form as well.
    expect(JSON.parse(capture(() => json.error('failed', error.stack, 'Worker')).stderr)).toMatchObject({
      msg: 'failed',
      stack: error.stack,
    });
  });

  it('redacts secrets in messages, fields and stacks, in both formats', () => {
    const text = createLogger({ logFormat: 'text', logLevel: 'log' });
    for (const logger of [json, text]) {
      const { stdout, stderr } = capture(() => {
        logger.log('GET /ws/call/?token=s3cr3t-token-value 101', 'Access');
        logger.log({ msg: 'login', password: 'hunter2-password', headers: { authorization: 'Bearer s3cr3t-token-value' } }, 'Auth');
        logger.error('fetch failed', 'Error: bad\n    at f (/x?token=s3cr3t-token-value:1:1)', 'Worker');
      });
      const output = stdout + stderr;
      expect(output).toContain('[REDACTED]');
      expect(output).not.toContain('s3cr3t-token-value');
      expect(output).not.toContain('hunter2-password');
    }
  });

  it('honours LOG_LEVEL, and explicit levels (tests) over it', () => {
    const warnOnly = createLogger({ logFormat: 'json', logLevel: 'warn' });
    expect(capture(() => warnOnly.log('hidden', 'X')).stdout).toBe('');
    expect(capture(() => warnOnly.warn('shown', 'X')).stdout).toContain('"msg":"shown"');
    const debug = createLogger({ logFormat: 'json', logLevel: 'debug' });
    expect(capture(() => debug.debug('detail', 'X')).stdout).toContain('"level":"debug"');
    const errorsOnly = createLogger({ logFormat: 'json', logLevel: 'debug' }, ['error']);
    expect(capture(() => errorsOnly.warn('hidden', 'X')).stdout).toBe('');
    const silent = createLogger({ logFormat: 'json', logLevel: 'debug' }, false);
    expect(capture(() => silent.error('hidden', 'X')).stderr).toBe('');
  });

  it('writes an error repeated within ten seconds once, and then how many more times it came', () => {
    jest.useFakeTimers();
    try {
      const logger = createLogger({ logFormat: 'json', logLevel: 'log' });
      const outage = new Error('The database is unavailable; try again shortly');
      const burst = capture(() => {
        for (let i = 0; i < 50; i += 1) logger.error(outage, 'Http');
        logger.error(new Error('another kind'), 'Http');
      });
      const lines = burst.stderr
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string; stack?: string });
      expect(lines.map((line) => line.msg)).toEqual([outage.message, 'another kind']);
      expect(lines[0].stack).toContain('at ');
      const summary = capture(() => jest.advanceTimersByTime(10_000));
      expect(JSON.parse(summary.stdout)).toMatchObject({
        level: 'warn',
        msg: `The same error 49 more time(s) in the last 10 s: [Http] ${outage.message}`,
        repeated: 49,
      });
      // A new window writes it again.
      expect(capture(() => logger.error(outage, 'Http')).stderr).toContain(outage.message);
    } finally {
      jest.useRealTimers();
    }
  });

  it('writes a structured message on one text line as key=value pairs', () => {
    const text = createLogger({ logFormat: 'text', logLevel: 'log' });
    const { stdout } = capture(() => text.log({ msg: 'call moved', callId: 'c1', reason: 'two words' }, 'Calls'));
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(stdout).toContain('call moved callId=c1 reason="two words"');
  });
});
