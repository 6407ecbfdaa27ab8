import { Inject, Injectable } from '@nestjs/common';
import type { WebSocket } from 'ws';
import { AppError } from '../common/errors';
import { MAX_PAYLOAD_DEPTH, tooDeepError } from '../common/validation';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { BucketsByKey, TokenBucket } from './message-rate-limit';
import { maxFrameBytes } from './transport-limits';

const OPENERS = ['{', '['];

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
  private readonly byUser: BucketsByKey;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.byUser = new BucketsByKey(() => newAllowance(config));
  }

  forUser(userId: string): TokenBucket {
    return this.byUser.of(userId);
  }
}

/**
 * What one connection's frames must pass before they are parsed (the README's "Limits"): its
 * user's bytes allowance (a connection not yet signed in has one of its own), and payloads nested
 * at most MAX_PAYLOAD_DEPTH deep. A frame that fails is answered with an error and never parsed,
 * so a flood of large or deeply nested frames costs little more than reading it; and once the
 * allowance is spent, the connection is not even read until it has refilled.
 */
export class FrameGuard {
  /** Stops reading the connection for a while, where its transport can (a WebSocket). */
  private holdReading: (ms: number) => void = () => undefined;

  constructor(
    private readonly config: FrameLimits,
    private bytes = newAllowance(config),
  ) {}

  /** How to stop reading this connection for a while. */
  holdReadingWith(hold: (ms: number) => void): void {
    this.holdReading = hold;
  }

  /** From now on the connection draws on its user's allowance. */
  useAllowance(allowance: TokenBucket): void {
    this.bytes = allowance;
  }

  /** Charges the frame's bytes to the allowance; the error to answer with when it is over it. */
  charge(byteLength: number): AppError | undefined {
    if (this.bytes.take(byteLength)) return undefined;
    // What comes next would be refused too: it waits unread (in the network's buffers, pushing
    // back on the sender) until the allowance holds a frame like this one.
    this.holdReading(this.bytes.msUntil(byteLength));
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

/** Stops reading a WebSocket for `ms` (unless it is stopped already). */
export function holdWebSocket(ws: WebSocket, ms: number): void {
  if (ms <= 0 || ws.isPaused) return;
  ws.pause();
  setTimeout(() => ws.resume(), ms).unref();
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
