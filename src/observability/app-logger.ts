import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { inspect } from 'node:util';
import type { AppConfig } from '../config/app-config';
import { redact } from './redact';
import { REPEAT_WINDOW_MS, RepeatedErrors } from './repeated-errors';

export type LogFormat = AppConfig['observability']['logFormat'];

/** LOG_LEVEL names the least severe level written; everything more severe is written too. */
const LEVELS_FROM: Record<AppConfig['observability']['logLevel'], LogLevel[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  log: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

/** The contexts of Nest's start-up lines, logged at `debug`. */
const NEST_START_UP = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestApplication',
]);

/** Nest's contexts for errors in creating the application and in listening, which main.ts reports itself. */
const REPORTED_BY_MAIN = new Set(['ExceptionHandler', 'NestApplication']);

/** Keys every JSON line has; a structured field of the same name cannot overwrite them. */
const RESERVED = new Set(['time', 'level', 'context', 'msg', 'stack']);

type Fields = Record<string, unknown>;

/**
 * The server's one logger. `json`: one JSON object per line (`time`, `level`, `context`, `msg`,
 * the message's structured fields, `stack` for errors), for log shippers. `text`: Nest's console
 * format. Both redact secrets first. Log structured lines as `logger.log({msg, ...fields})`.
 */
export class AppLogger extends ConsoleLogger {
  /** An error repeated within the window is counted, not written again (nor its stack). */
  private readonly repeated = new RepeatedErrors(REPEAT_WINDOW_MS, (kind, repeats) =>
    this.warn({ msg: `The same error ${repeats} more time(s) in the last ${REPEAT_WINDOW_MS / 1000} s: ${kind}`, repeated: repeats }),
  );

  constructor(
    private readonly format: LogFormat,
    logLevels: LogLevel[],
  ) {
    super({ logLevels, json: false });
  }

  /** Nest's own start-up lines (modules loaded, every route mapped): useful when debugging, noise otherwise. */
  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    if (typeof context === 'string' && NEST_START_UP.has(context)) return super.debug(message, ...rest);
    super.log(message, ...rest);
  }

  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    // What fails while the application is created or starts listening is reported by main.ts, once, in one line.
    if (logLevel === 'error' && REPORTED_BY_MAIN.has(context)) return;
    if (logLevel === 'error' && !this.repeated.admit(`${context ? `[${context}] ` : ''}${messageText(messages[0])}`)) return;
    const stack = typeof errorStack === 'string' ? redact<string>(errorStack) : undefined;
    if (this.format === 'text') {
      super.printMessages(
        messages.map((message) => toText(redact(message))),
        context,
        logLevel,
        writeStreamType,
        stack,
      );
      return;
    }
    const stream = writeStreamType ?? 'stdout';
    for (const message of messages) pendingLines[stream].push(`${jsonLine(redact(message), context, logLevel, stack)}\n`);
    // Errors go out at once (with what waited before them), so a crash cannot swallow its cause.
    if (logLevel === 'error' || logLevel === 'fatal') flushLogs();
    else flushSoon();
  }

  protected override printStackTrace(stack: string): void {
    // JSON lines carry the stack as a field; text prints it below the message, redacted.
    if (this.format === 'text') super.printStackTrace(redact(stack));
  }
}

/**
 * JSON lines wait for the end of the event loop's turn and go out in one write per stream: a busy
 * server logs every call move, and a write to a pipe per line costs more than the line.
 */
const pendingLines = { stdout: [] as string[], stderr: [] as string[] };
let flushScheduled = false;

function flushSoon(): void {
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flushLogs);
}

/** An error's kind: its message's text, which repeats where its stack and time do not. */
function messageText(message: unknown): string {
  if (message instanceof Error) return message.message;
  if (isPlainObject(message)) {
    const text = message.msg ?? message.message;
    return typeof text === 'string' ? text : '';
  }
  return typeof message === 'string' ? message : inspect(message, { breakLength: Infinity, depth: 1 });
}

/** Writes the JSON lines still waiting (called on exit, on errors, and by tests). */
export function flushLogs(): void {
  flushScheduled = false;
  for (const stream of ['stdout', 'stderr'] as const) {
    const lines = pendingLines[stream];
    if (lines.length === 0) continue;
    pendingLines[stream] = [];
    process[stream].write(lines.join(''));
  }
}
process.on('exit', flushLogs);

/**
 * The logger createApp installs: format and level from the configuration; `levels` (tests pass
 * `['error']`, or `false` for silence) overrides LOG_LEVEL.
 */
export function createLogger(
  observability: Pick<AppConfig['observability'], 'logFormat' | 'logLevel'>,
  levels?: LogLevel[] | false,
): AppLogger {
  const enabled = levels === false ? [] : (levels ?? LEVELS_FROM[observability.logLevel]);
  return new AppLogger(observability.logFormat, enabled);
}

function jsonLine(message: unknown, context: string, level: LogLevel, stack: string | undefined): string {
  const record: Fields = { time: new Date().toISOString(), level, context: context || undefined };
  if (message instanceof Error) {
    Object.assign(record, { msg: message.message, error: message.name, stack: message.stack });
  } else if (isPlainObject(message)) {
    const { msg, message: text, ...fields } = message;
    record.msg = typeof msg === 'string' ? msg : typeof text === 'string' ? text : '';
    for (const [key, value] of Object.entries(fields)) record[RESERVED.has(key) ? `field_${key}` : key] = value;
  } else {
    record.msg = typeof message === 'string' ? message : inspect(message, { breakLength: Infinity, depth: 4 });
  }
  if (stack !== undefined) record.stack = stack;
  try {
    return JSON.stringify(record);
  } catch {
    // A BigInt, which JSON does not know; anything else falls through to the line below.
  }
  try {
    return JSON.stringify(record, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  } catch {
    // Whatever could not be serialized is still one parseable line.
    return JSON.stringify({
      time: record.time,
      level,
      context: record.context,
      msg: inspect(message, { breakLength: Infinity, depth: 2 }),
    });
  }
}

/** A structured message on one text line: `call moved callId=… from=CALLING to=ACTIVE`. */
function toText(message: unknown): unknown {
  if (!isPlainObject(message) || (typeof message.msg !== 'string' && typeof message.message !== 'string')) return message;
  const { msg, message: text, ...fields } = message;
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' && !/[\s"=]/.test(value) ? value : JSON.stringify(value)}`);
  return [typeof msg === 'string' ? msg : text, ...pairs].join(' ');
}

function isPlainObject(value: unknown): value is Fields {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
