import { AppError } from '../common/errors';
import { MAX_PAYLOAD_DEPTH, tooDeepError } from '../common/validation';
import type { AppConfig } from '../config/app-config';
import { TokenBucket } from './message-rate-limit';
import { maxFrameBytes } from './transport-limits';

const OPENERS = ['{', '['];

/**
 * What one connection's frames must pass before they are parsed (CONTRACT.md §9, and the README's
 * "Limits"): RATE_LIMIT_BYTES_PER_S of frames a second, in bursts of at least two of the largest
 * frames, and payloads nested at most MAX_PAYLOAD_DEPTH deep. A frame that fails is answered with
 * an error and never parsed, so a flood of large or deeply nested frames costs little more than
 * reading it.
 */
export class FrameGuard {
  private readonly bytes: TokenBucket;

  constructor(private readonly config: Pick<AppConfig, 'limits' | 'calls'>) {
    const perSecond = config.limits.bytesPerSecond;
    this.bytes = new TokenBucket(Math.max(perSecond, 2 * maxFrameBytes(config)), perSecond);
  }

  /** Charges the frame's bytes to the connection; the error to answer with when it is over its allowance. */
  charge(byteLength: number): AppError | undefined {
    if (this.bytes.take(byteLength)) return undefined;
    return new AppError('rate_limited', `Too much data: at most ${this.config.limits.bytesPerSecond} bytes a second`);
  }

  /** Charges what was let through without asking first (a binary attachment of an admitted event): later frames wait for it. */
  debit(byteLength: number): void {
    this.bytes.takeEvenIntoDebt(byteLength);
  }

  /**
   * The error to answer a JSON text nested too deeply with, before parsing it; `envelope` is how
   * many levels the transport wraps the payload in (Socket.IO's `[event, payload]` is one).
   */
  checkNesting(json: string, envelope: number): AppError | undefined {
    return textNestedDeeperThan(json, MAX_PAYLOAD_DEPTH + envelope) ? tooDeepError() : undefined;
  }
}

/** Whether brackets in `json` nest deeper than `limit`, outside strings; a cheap count first, as most frames have few. */
export function textNestedDeeperThan(json: string, limit: number): boolean {
  if (openersAtMost(json, limit)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (++depth > limit) return true;
    } else if (c === '}' || c === ']') depth--;
  }
  return false;
}

/** Whether `json` holds at most `limit` opening brackets (strings' included): then it cannot nest deeper. */
function openersAtMost(json: string, limit: number): boolean {
  let count = 0;
  for (const opener of OPENERS) {
    for (let at = json.indexOf(opener); at !== -1; at = json.indexOf(opener, at + 1)) {
      if (++count > limit) return false;
    }
  }
  return true;
}
