import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ClusterBus, Route } from '../cluster/cluster-bus';
import { INSTANCE_ID, REDIS } from '../cluster/cluster.tokens';
import type { RedisConnections } from '../cluster/redis-connections';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import type { AtOnce } from '../common/at-once';
import { AppEvents } from '../events/app-events';
import { MetricsService } from '../observability/metrics.service';
import { BroadcastBatch, EveryoneNotice } from './broadcast-batch';
import {
  BOOKS_SINCE,
  connectionInstances,
  connectionUsers,
  heartbeatKey,
  instanceConnections,
  INSTANCES,
  janitorKey,
  userConnections,
} from './connection-books';
import { DeliveryRoutes } from './delivery-routes';
import { PresenceInterests } from './presence-interests';
import type { RealtimeNotice } from './realtime-notice';
import type { UserRole } from '@call-signaling/client';
import { SIGNAL_DEADLINE_MS } from '../relay/signal';
import { retryWhileUnavailable } from '../cluster/redis-errors';

/** A live connection of any dialect, as the core sees it. */
export interface RealtimeConnection {
  readonly id: string;
  readonly userId: string;
  readonly dialect: string;
  /** Renders the notice in the connection's own dialect and sends it. */
  deliver(notice: RealtimeNotice): void;
  /** Sends the batch's notices for this connection's user in one write (else: deliver each). */
  deliverBatch?(batch: BroadcastBatch): void;
}

/**
 * Who hears of a change to a user (a mentor's presence or status): the connections that watch
 * them (PresenceInterests), the connections of `contacts`, and, with `unsubscribed`, every
 * connection that has subscribed to nothing.
 */
export interface WatcherAudience {
  subject: { id: string; role: UserRole };
  contacts: string[];
  unsubscribed: boolean;
  exceptUserId?: string;
}

/** A delivery crossing to the other instances; each hands it to its own connections. `sentAt`: a signal's, for its age. */
export type Delivery = (
  | { to: 'users'; userIds: string[]; exceptConnectionId?: string; notice: RealtimeNotice; onceKey?: string }
  | { to: 'connection'; connectionId: string; notice: RealtimeNotice }
  | ({ to: 'watchers'; notice: RealtimeNotice } & WatcherAudience)
) & { sentAt?: number };

const HEARTBEAT_MS = 1_000;
/**
 * Notices for every unsubscribed connection wait this long to go out together: such a change
 * reaches every one of them, so under load one write per connection per window instead of one per
 * change is what keeps it cheap.
 */
const BROADCAST_WINDOW_MS = 50;
/** An instance silent this long is dead: the others take its connections off the books. */
const INSTANCE_TTL_MS = 5_000;

/** How long one instance keeps the job of releasing a silent instance's connections. */
const JANITOR_HOLD_MS = 30_000;

/** How long the books' start-over mark lives: beyond any run, and set again by the next heartbeat if it lapses. */
const BOOKS_SINCE_TTL_MS = 30 * 24 * 3_600_000;

/**
 * Every live connection of every user, whatever its dialect and whichever instance holds it,
 * and the one place notices are delivered through. Connections themselves live on their
 * instance; the books (who is connected, from where) are shared, and deliveries reach the
 * other instances over the cluster bus.
 */
@Injectable()
export class ConnectionRegistry implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Connections');
  private readonly byUser = new Map<string, Map<string, RealtimeConnection>>();
  private readonly byId = new Map<string, RealtimeConnection>();
  /** What this instance's connections watch (mentor lists, named users). */
  readonly interests = new PresenceInterests();
  /** Watched changes held for connections whose subscription's answer is being read (see holdWatched). */
  private readonly held = new Map<RealtimeConnection, RealtimeNotice[]>();
  private heartbeat?: NodeJS.Timeout;
  private beating = false;
  /** Whether another instance was releasing our connections at the last heartbeat (see beat). */
  private buriedLastBeat = false;
  private forEveryone: EveryoneNotice[] = [];
  /** The last once-only notice each connection got (see deliverOnce). */
  private readonly lastOnce = new WeakMap<RealtimeConnection, string>();
  private broadcastTimer?: NodeJS.Timeout;
  private readonly routes: DeliveryRoutes;
  /** When a heartbeat of ours last failed. */
  private troubleAt = 0;

  constructor(
    @Inject(SHARED_STATE) private readonly state: SharedState,
    private readonly bus: ClusterBus<Delivery>,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly events: AppEvents,
    private readonly metrics: MetricsService,
    @Inject(REDIS) private readonly redis: RedisConnections | null,
  ) {
    this.routes = new DeliveryRoutes(state);
    bus.onMessage((delivery, route) => this.deliverFromBus(delivery, route));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.bus.clustered) return;
    await this.beat();
    this.heartbeat = setInterval(
      () =>
        void this.beat().catch((e) => {
          this.troubleAt = Date.now();
          this.logger.warn(`heartbeat failed: ${(e as Error).message}`);
        }),
      HEARTBEAT_MS,
    );
    this.heartbeat.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
    this.broadcastNow();
  }

  async add(connection: RealtimeConnection): Promise<void> {
    this.byId.set(connection.id, connection);
    const mine = this.byUser.get(connection.userId) ?? new Map<string, RealtimeConnection>();
    mine.set(connection.id, connection);
    this.byUser.set(connection.userId, mine);
    this.metrics.connectionOpened(connection.dialect);
    await this.book(connection);
    // Gone while it was booked (and unbooked after): nobody is to hear of its arrival.
    if (this.byId.get(connection.id) !== connection) return;
    await this.events.emitAndWait('connection.added', connection);
  }

  async remove(connectionId: string): Promise<void> {
    const connection = this.byId.get(connectionId);
    if (!connection) return;
    this.byId.delete(connectionId);
    this.interests.clear(connection);
    this.held.delete(connection);
    const mine = this.byUser.get(connection.userId);
    mine?.delete(connectionId);
    if (mine?.size === 0) this.byUser.delete(connection.userId);
    this.metrics.connectionClosed(connection.dialect);
    // A connection left on the books would keep its user online, and busy in a call, for good.
    let tries = 0;
    await retryWhileUnavailable(() => this.unbook(connectionId, connection.userId, this.instanceId, tries++ > 0));
  }

  /** This instance's connection, if it holds it. */
  local(connectionId: string): RealtimeConnection | undefined {
    return this.byId.get(connectionId);
  }

  /** The user a live connection (on any instance) belongs to. */
  async userOf(connectionId: string): Promise<string | undefined> {
    return this.byId.get(connectionId)?.userId ?? this.state.hGet(connectionUsers(connectionId), connectionId);
  }

  /** As userOf, when it can be told at once: a connection of this instance, or an in-process state. */
  userOfAtOnce(connectionId: string): AtOnce<string> {
    const local = this.byId.get(connectionId)?.userId;
    if (local) return local;
    const state = this.state.local;
    return state && (state.hGet(connectionUsers(connectionId), connectionId) ?? null);
  }

  /** A user's live connections on every instance (this instance's share is known at once). */
  async connectionCount(userId: string): Promise<number> {
    const here = this.byUser.get(userId)?.size ?? 0;
    return this.bus.clustered ? Math.max(here, await this.state.hLen(userConnections(userId))) : here;
  }

  /** Connected anywhere. */
  async isOnline(userId: string): Promise<boolean> {
    return this.byUser.has(userId) || (await this.state.hLen(userConnections(userId))) > 0;
  }

  /** `onceKey`: a connection that got a notice with this key (by deliverOnce too) does not get it again. */
  sendToUsers(userIds: Iterable<string>, notice: RealtimeNotice, exceptConnectionId?: string, onceKey?: string): void {
    this.publish({ to: 'users', userIds: [...new Set(userIds)], exceptConnectionId, notice, onceKey });
  }

  /**
   * Delivers to one connection of this instance unless it got a notice with the same key last: a
   * call's ring comes from its start and from a device's own arrival, and a device that arrives
   * as the call starts must not ring twice.
   */
  deliverOnce(connection: RealtimeConnection, notice: RealtimeNotice, onceKey: string): void {
    if (this.lastOnce.get(connection) === onceKey) return;
    this.lastOnce.set(connection, onceKey);
    connection.deliver(notice);
  }

  sendToConnection(connectionId: string, notice: RealtimeNotice): void {
    this.publish({ to: 'connection', connectionId, notice });
  }

  /**
   * To a connection of this instance, after the reply to the message it is being handled for: a
   * handler's result is written to its connection within the current turn of the event loop.
   */
  sendToConnectionAfterReply(connectionId: string, notice: RealtimeNotice): void {
    setImmediate(() => this.local(connectionId)?.deliver(notice));
  }

  /**
   * Holds the changes a connection watches while its subscription's answer (a snapshot) is read,
   * and sends them after that answer: a change read into the snapshot arrives again after it,
   * which leaves the same state, and none arrives before it to be overwritten by an older one.
   */
  holdWatched(connection: RealtimeConnection): void {
    if (!this.held.has(connection)) this.held.set(connection, []);
  }

  /** Sends what holdWatched held, after the reply to the message being handled (see sendToConnectionAfterReply). */
  releaseWatchedAfterReply(connection: RealtimeConnection): void {
    setImmediate(() => {
      const notices = this.held.get(connection) ?? [];
      this.held.delete(connection);
      for (const notice of notices) connection.deliver(notice);
    });
  }

  /** To those who hear of changes to `audience.subject` (see WatcherAudience). */
  sendToWatchers(audience: WatcherAudience, notice: RealtimeNotice): void {
    this.publish({ to: 'watchers', ...audience, notice });
  }

  private publish(delivery: Delivery): void {
    this.deliverHere(delivery);
    // A connection this instance holds needs no trip through Redis.
    if (!this.bus.clustered || (delivery.to === 'connection' && this.byId.has(delivery.connectionId))) return;
    this.bus.publish(delivery.notice.type === 'signal' ? { ...delivery, sentAt: Date.now() } : delivery, () => this.routes.of(delivery));
  }

  /** A signal the bus brings later than the relay's deadline (Redis was away) is stale: dropped. */
  private deliverFromBus(delivery: Delivery, route: Route): void {
    this.metrics.clusterDeliveryReceived(route);
    if (delivery.sentAt !== undefined && Date.now() - delivery.sentAt > SIGNAL_DEADLINE_MS) {
      this.logger.warn({ msg: 'dropped a signal the cluster bus delivered late', ageMs: Date.now() - delivery.sentAt });
      return;
    }
    this.deliverHere(delivery);
  }

  private deliverHere(delivery: Delivery): void {
    switch (delivery.to) {
      case 'users':
        for (const userId of delivery.userIds) {
          for (const connection of this.byUser.get(userId)?.values() ?? []) {
            if (connection.id === delivery.exceptConnectionId) continue;
            if (delivery.onceKey) this.deliverOnce(connection, delivery.notice, delivery.onceKey);
            else connection.deliver(delivery.notice);
          }
        }
        return;
      case 'connection':
        this.byId.get(delivery.connectionId)?.deliver(delivery.notice);
        return;
      case 'watchers':
        this.deliverToWatchers(delivery);
        return;
    }
  }

  private deliverToWatchers(delivery: Extract<Delivery, { to: 'watchers' }>): void {
    const { subject, contacts, unsubscribed, exceptUserId, notice } = delivery;
    const targets = this.interests.watchersOf(subject.id, subject.role);
    for (const userId of contacts) for (const connection of this.byUser.get(userId)?.values() ?? []) targets.add(connection);
    for (const connection of targets) {
      // An unsubscribed one hears it with the broadcast below, in its window.
      if (connection.userId === exceptUserId || (unsubscribed && !this.interests.subscribed(connection))) continue;
      const held = this.held.get(connection);
      if (held) held.push(notice);
      else connection.deliver(notice);
    }
    if (!unsubscribed) return;
    this.forEveryone.push({ notice, exceptUserId });
    this.broadcastTimer ??= setTimeout(() => this.broadcastNow(), BROADCAST_WINDOW_MS);
  }

  /** Sends the notices for the unsubscribed gathered in the window, in order, one batch per connection. */
  private broadcastNow(): void {
    clearTimeout(this.broadcastTimer);
    this.broadcastTimer = undefined;
    if (this.forEveryone.length === 0) return;
    const batch = new BroadcastBatch(this.forEveryone);
    this.forEveryone = [];
    for (const connection of this.byId.values()) {
      if (this.interests.subscribed(connection)) continue;
      try {
        if (connection.deliverBatch) connection.deliverBatch(batch);
        else for (const notice of batch.noticesFor(connection.userId)) connection.deliver(notice);
      } catch (error) {
        // From a timer: one connection's failure must neither stop the others' nor the process.
        this.logger.error(error);
      }
    }
  }

  /** Commands issued together, so a quick disconnect's unbooking cannot overtake them. */
  private async book(connection: { id: string; userId: string }): Promise<void> {
    await Promise.all([
      this.state.hSet(userConnections(connection.userId), connection.id, this.instanceId),
      this.state.hSet(connectionUsers(connection.id), connection.id, connection.userId),
      this.bus.clustered && this.state.hSet(connectionInstances(connection.id), connection.id, this.instanceId),
      this.state.sAdd(instanceConnections(this.instanceId), connection.id),
    ]);
  }

  /**
   * `retried`: an earlier try may have removed the connection before it failed (a command that
   * ran but whose reply was lost): then the user's last connection going is told all the same.
   */
  private async unbook(connectionId: string, userId: string, instanceId: string, retried = false): Promise<void> {
    const [{ removed, remaining }] = await Promise.all([
      this.state.hDelCount(userConnections(userId), connectionId),
      this.state.hDelCount(connectionUsers(connectionId), connectionId),
      this.bus.clustered && this.state.hDelCount(connectionInstances(connectionId), connectionId),
      this.state.sRem(instanceConnections(instanceId), connectionId),
    ]);
    this.events.emit('connection.removed', { connectionId, userId });
    if ((removed || retried) && remaining === 0) this.events.emit('user.disconnected', { userId });
  }

  /**
   * Keeps this instance's heartbeat alive, and takes dead instances' connections off the books.
   * A missing heartbeat of our own means Redis lost it (a restart) or the others presumed us
   * dead: our connections are booked again. A missing start-over mark means the books are new:
   * routing trusts them once every instance has had time to book its own (DeliveryRoutes).
   */
  private async beat(): Promise<void> {
    const [fresh, , buried] = await Promise.all([
      this.state.setExpiring(heartbeatKey(this.instanceId), '1', INSTANCE_TTL_MS, true),
      this.state.setExpiring(BOOKS_SINCE, String(Date.now()), BOOKS_SINCE_TTL_MS, true),
      this.state.exists(janitorKey(this.instanceId)),
    ]);
    if (!fresh) await this.state.setExpiring(heartbeatKey(this.instanceId), '1', INSTANCE_TTL_MS);
    // An instance that presumed us dead (we stalled) takes us off the list: we are back on at once.
    await this.state.sAdd(INSTANCES, this.instanceId);
    // Presumed dead, our connections were released, perhaps still while we booked them again: once
    // more when that is surely over (the janitor's hold lapses).
    const releasedUnderUs = this.buriedLastBeat && !buried;
    this.buriedLastBeat = buried;
    if (this.beating && (fresh || releasedUnderUs)) {
      this.logger.warn('shared state lost (Redis restarted empty, or this instance was presumed dead): booking connections again');
      const connections = [...this.byId.values()];
      await Promise.all(connections.map((connection) => this.book(connection)));
      this.events.emit('connections.rebooked', { connections });
    }
    this.beating = true;
    // Others' heartbeats lapse while Redis (or a Redis Cluster master) is away just as ours would:
    // none is presumed dead until everyone has had time to beat again since.
    const trouble = Math.max(this.troubleAt, this.redis?.troubleAt ?? 0);
    if (Date.now() - trouble < INSTANCE_TTL_MS + HEARTBEAT_MS) return;
    for (const instanceId of await this.state.sMembers(INSTANCES)) {
      if (instanceId !== this.instanceId && !(await this.state.exists(heartbeatKey(instanceId)))) await this.buryInstance(instanceId);
    }
  }

  private async buryInstance(instanceId: string): Promise<void> {
    if (!(await this.state.setExpiring(janitorKey(instanceId), this.instanceId, JANITOR_HOLD_MS, true))) return;
    const connectionIds = await this.state.sMembers(instanceConnections(instanceId));
    this.logger.warn(`instance ${instanceId} stopped beating; releasing its ${connectionIds.length} connection(s)`);
    // An instance that only stalled (a long pause, a partition) beats again and keeps its connections.
    const back = async () => {
      const beating = await this.state.exists(heartbeatKey(instanceId));
      if (!beating) return false;
      this.logger.warn(`instance ${instanceId} is beating again; its connections stay its own`);
      // Its next beat sees the release over, and books again what was released under it.
      await this.state.del(janitorKey(instanceId));
      return true;
    };
    for (const connectionId of connectionIds) {
      if (await back()) return;
      const userId = await this.state.hGet(connectionUsers(connectionId), connectionId);
      if (userId) await this.unbook(connectionId, userId, instanceId);
    }
    if (await back()) return;
    await this.state.del(instanceConnections(instanceId));
    await this.bus.forget(instanceId);
    await this.state.sRem(INSTANCES, instanceId);
    this.logger.warn(`instance ${instanceId}: ${connectionIds.length} connection(s) released`);
  }
}
