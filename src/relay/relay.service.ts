import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../calls/calls.service';
import { OpenCallIndex, OpenCallParties } from '../calls/open-call-index';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import { isSharedStateUnavailable } from '../cluster/redis-errors';
import { AppError, briefOutage } from '../common/errors';
import { isDatabaseUnavailable } from '../database/prisma-errors';
import { jsonSurelyExceeds, jsonSurelyFits } from '../common/json-size';
import { KeyedQueue } from '../common/keyed-queue';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import { MetricsService } from '../observability/metrics.service';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { EngagedConnections } from './engaged-connections';
import { RelayRoute, RelayRoutes } from './relay-routes';
import { Signal, SIGNAL_DEADLINE_MS, SignalTarget } from './signal';

type Sender = Required<Actor>;

const UNAVAILABLE = 'Signaling is briefly unavailable; send it again in a moment';

/**
 * `work`'s result, or `unavailable` once the deadline has passed (what `work` does after that is
 * dropped) or when what it waits for went away under it (Redis, or the database).
 */
function beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(briefOutage(UNAVAILABLE)), Math.max(0, deadline - Date.now()));
  });
  const outageAsUnavailable = work.catch((error: unknown) => {
    if (isSharedStateUnavailable(error) || isDatabaseUnavailable(error)) throw briefOutage(UNAVAILABLE);
    throw error;
  });
  return Promise.race([outageAsUnavailable, late]).finally(() => clearTimeout(timer));
}

/**
 * The relay rule: a signal goes from one party of a CALLING or ACTIVE call to the other party, and
 * only within the call it names, when it names one. `targetUserId` is the user the sender
 * addressed (or whose connection it addressed); nothing when that is not known.
 */
function mayRelay(
  call: OpenCallParties | null | undefined,
  senderUserId: string,
  targetUserId: string | null | undefined,
  callId?: string,
): call is OpenCallParties {
  if (!call || !targetUserId || targetUserId === senderUserId) return false;
  const isParty = call.hostUserId === targetUserId || call.recipientUserId === targetUserId;
  return isParty && (callId === undefined || callId === call.callId);
}

/** A signal to a user goes to the connection that user is in the call from, while it is still theirs; else to all their connections. */
function userDestination(
  targetUserId: string,
  engaged: string | null | undefined,
  engagedUser: string | null | undefined,
): RelayRoute['to'] {
  return engaged && engagedUser === targetUserId ? { connectionId: engaged } : { userId: targetUserId };
}

/**
 * Relays offers, answers and ICE candidates between the two parties of a call, whatever dialect
 * and instance each is on. A signal whose checks are all known in this process is relayed at once
 * (the common case on one instance: no promise per message); any other waits its turn behind what
 * its sender sent before, so a sender's signals arrive in the order they were sent.
 */
@Injectable()
export class RelayService {
  private readonly inSendOrder = new KeyedQueue();
  /** With the state in this process: each sender's last route, so that a run of signals finds it once. */
  private readonly routes?: RelayRoutes;

  constructor(
    private readonly openCalls: OpenCallIndex,
    private readonly engaged: EngagedConnections,
    private readonly registry: ConnectionRegistry,
    private readonly metrics: MetricsService,
    @Inject(SHARED_STATE) state: SharedState,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.routes = state.local && new RelayRoutes(state.local);
  }

  /**
   * Relays one signal from `sender`. Returns nothing when it was relayed at once; otherwise a
   * promise that settles once it was relayed, or rejects with the error to answer (`not_found`,
   * `payload_too_large`, or what validating the message threw). `signal` may be a function that
   * validates the message first: it runs in the sender's turn, so a slow validation cannot let a
   * later signal overtake.
   */
  relay(sender: Sender, signal: Signal | (() => Promise<Signal>)): Promise<void> | undefined {
    if (typeof signal !== 'function' && this.inSendOrder.idle(sender.connectionId) && jsonSurelyFits(signal.payload, this.maxBytes)) {
      const route = this.routes?.recall(sender.connectionId, signal.to) ?? this.routeAtOnce(sender, signal.to);
      if (route) return this.send(sender, route, signal);
    }
    const deadline = Date.now() + SIGNAL_DEADLINE_MS;
    return this.inSendOrder.run(sender.connectionId, async () => {
      const checked = typeof signal === 'function' ? await beforeDeadline(signal(), deadline) : signal;
      this.checkSize(checked.payload);
      this.send(sender, await beforeDeadline(this.route(sender, checked.to), deadline), checked);
    });
  }

  /**
   * Refuses what relaying `signal` now would refuse (`payload_too_large`, `not_found`), sending
   * nothing: for a message that may change the call only when it can be relayed.
   */
  async check(sender: Sender, signal: Signal): Promise<void> {
    this.checkSize(signal.payload);
    await beforeDeadline(this.route(sender, signal.to), Date.now() + SIGNAL_DEADLINE_MS);
  }

  @OnAppEvent('connection.removed')
  forgetSender({ connectionId }: AppEventMap['connection.removed']): void {
    this.routes?.forget(connectionId);
  }

  /** The route when everything it rests on is in this process (then kept for the sender's next signals); else nothing. */
  private routeAtOnce(sender: Sender, target: SignalTarget): RelayRoute | undefined {
    const call = this.openCalls.ofAtOnce(sender.userId);
    let to: RelayRoute['to'];
    if ('connectionId' in target) {
      if (!mayRelay(call, sender.userId, this.registry.userOfAtOnce(target.connectionId))) return undefined;
      to = { connectionId: target.connectionId };
    } else {
      if (!mayRelay(call, sender.userId, target.userId, target.callId)) return undefined;
      const engaged = this.engaged.ofAtOnce(call.callId, target.userId);
      const engagedUser = engaged && this.registry.userOfAtOnce(engaged);
      if (engaged === undefined || engagedUser === undefined) return undefined;
      to = userDestination(target.userId, engaged, engagedUser);
    }
    const route = { call, to };
    const lapsesAt = this.openCalls.lapsesAtOnce(sender.userId);
    // A sender already gone (its last messages handled after its close) would never be forgotten.
    if (lapsesAt !== undefined && this.registry.local(sender.connectionId)) this.routes?.keep(sender.connectionId, target, route, lapsesAt);
    return route;
  }

  private async route(sender: Sender, target: SignalTarget): Promise<RelayRoute> {
    if ('connectionId' in target) {
      const targetUserId = await this.registry.userOf(target.connectionId);
      const call = targetUserId ? await this.openCalls.of(sender.userId) : null;
      if (!mayRelay(call, sender.userId, targetUserId)) throw new AppError('not_found', 'No such connection in a call of yours');
      return { call, to: { connectionId: target.connectionId } };
    }
    const call = await this.openCalls.of(sender.userId);
    if (!mayRelay(call, sender.userId, target.userId, target.callId))
      throw new AppError('not_found', 'That user is not in a call with you');
    const engaged = await this.engaged.of(call.callId, target.userId);
    const engagedUser = engaged && (await this.registry.userOf(engaged));
    return { call, to: userDestination(target.userId, engaged, engagedUser) };
  }

  private send(sender: Sender, { call, to }: RelayRoute, { kind, payload }: Signal): undefined {
    const notice = {
      type: 'signal',
      kind,
      callId: call.callId,
      fromConnectionId: sender.connectionId,
      fromUserId: sender.userId,
      payload,
    } as const;
    if ('connectionId' in to) this.registry.sendToConnection(to.connectionId, notice);
    else this.registry.sendToUsers([to.userId], notice);
    this.metrics.signalRelayed(kind);
    return undefined;
  }

  private checkSize(payload: unknown): void {
    // Most signals are a few KB: a bound settles them without serializing.
    if (jsonSurelyFits(payload, this.maxBytes)) return;
    if (jsonSurelyExceeds(payload, this.maxBytes) || Buffer.byteLength(JSON.stringify(payload ?? null)) > this.maxBytes) {
      throw new AppError('payload_too_large', `Signaling payloads are limited to ${this.maxBytes} bytes`);
    }
  }

  private get maxBytes(): number {
    return this.config.calls.maxSignalBytes;
  }
}
