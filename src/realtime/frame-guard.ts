import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/errors';
import { MAX_PAYLOAD_DEPTH, tooDeepError } from '../common/validation';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TokenBucket } from './message-rate-limit';
import { maxFrameBytes } from './transport-limits';

const OPENERS = ['{', '['];
/** Past this many users' allowances kept, the full ones (of users quiet for a second or more) are dropped. */
const TIDY_ABOVE = 10_000;

type FrameLimits = Pick<AppConfig, 'limits' | 'calls'>;

/** RATE_LIMIT_BYTES_PER_S a second, in bursts of at least two of the largest frames. */
function newAllowance(config: FrameLimits): TokenBucket {
  const perSecond = config.limits.bytesPerSecond;
  return new TokenBucket(Math.max(perSecond, 2 * maxFrameBytes(config)), perSecond);
}

/**
 * Each signed-in user's bytes allowance on this instance, shared by all their connections: a
 * client that reconnects does not come back with a fresh one.
 */
@Injectable()
export class FrameAllowances {
  private readonly byUser = new Map<string, TokenBucket>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  forUser(userId: string): TokenBucket {
    let allowance = this.byUser.get(userId);
    if (!allowance) {
      if (this.byUser.size >= TIDY_ABOVE) this.dropFull();
      allowance = newAllowance(this.config);
      this.byUser.set(userId, allowance);
    }
    return allowance;
  }

  private dropFull(): void {
    for (const [userId, allowance] of this.byUser) if (allowance.isFull()) this.byUser.delete(userId);
  }
}

/**
 * What one connection's frames must pass before they are parsed (the README's "Limits"): its
 * user's bytes allowance (a connection not yet signed in has one of its own), and payloads nested
 * at most MAX_PAYLOAD_DEPTH deep. A frame that fails is answered with an error and never parsed,
 * so a flood of large or deeply nested frames costs little more than reading it.
 */
export class FrameGuard {
  constructor(
    private readonly config: FrameLimits,
    private bytes = newAllowance(config),
  ) {}

  /** From now on the connection draws on its user's allowance. */
  useAllowance(allowance: TokenBucket): void {
    this.bytes = allowance;
  }

  /** Charges the frame's bytes to the allowance; the error to answer with when it is over it. */
  charge(byteLength: number): AppError | undefined {
    if (this.bytes.take(byteLength)) return undefined;
    return new AppError('rate_limited', `Too much data: at most ${this.config.limits.bytesPerSecond} bytes a second per user`);
  }

  /** Charges what was let through without asking first (a binary attachment of an admitted event): later frames wait for it. */
  debit(byteLength: number): void {
    this.bytes.takeEvenIntoDebt(byteLength);
  }

  /**
   * The error to answer a JSON text nested too deeply with, before parsing it. Both transports
   * wrap the payload in one level (Socket.IO's `[event, payload]`, a raw message's object).
   */
  checkNesting(json: string): AppError | undefined {
    return textNestedDeeperThan(json, MAX_PAYLOAD_DEPTH + 1) ? tooDeepError() : undefined;
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
