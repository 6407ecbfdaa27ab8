import { within } from '../common/background';
import { StartupError } from '../config/startup-error';
import { Logger } from '@nestjs/common';
import { createClient, createCluster, TimeoutError } from 'redis';
import { NEVER_IDLE_MS, RedisWatchdog, SILENCE_LIMIT_MS } from './redis-watchdog';

/**
 * A connection to one Redis, or to a Redis Cluster: node-redis's cluster client answers the same
 * commands (routing each to the node that serves its key), so the code using it is typed once.
 */
export type RedisClient = ReturnType<typeof createClient>;
type ClusterClient = ReturnType<typeof createCluster>;

/** Where Redis is: one server (`urls` has its URL), or a Redis Cluster's nodes to start from. */
export interface RedisSetting {
  urls: string[];
  cluster: boolean;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The server's Redis connections: one for commands (shared state, timers, the cache, publishing
 * on the cluster bus), two that block reading the bus (this instance's stream, and the one every
 * instance reads), and a publisher/subscriber pair for the Socket.IO Redis adapter. Each
 * reconnects by itself; while Redis is away their commands wait in node-redis's offline queue.
 * A watchdog drops a connection that Redis stopped answering without closing it.
 */
export class RedisConnections {
  private readonly logger = new Logger('Redis');
  private lastTrouble = 0;
  private readonly watchdog: RedisWatchdog;
  /** Per cluster client, what marks one of its nodes up again (node-redis says so only once per node client). */
  private readonly nodeReady = new Map<RedisClient, (node: string) => void>();

  private constructor(
    readonly cluster: boolean,
    readonly commands: RedisClient,
    readonly reader: RedisClient,
    readonly everyoneReader: RedisClient,
    readonly publisher: RedisClient,
    readonly subscriber: RedisClient,
  ) {
    this.watch(commands, 'commands');
    this.watch(reader, 'bus reader');
    this.watch(everyoneReader, 'bus reader (every instance)');
    this.watch(publisher, 'publisher');
    this.watch(subscriber, 'subscriber');
    this.watchdog = new RedisWatchdog(() => this.nodeClients());
  }

  static async connect(setting: RedisSetting): Promise<RedisConnections> {
    // Each made afresh rather than duplicated: a cluster client's failover watch is its own.
    const make = () => (setting.cluster ? clusterOf(setting.urls) : clientOf(setting.urls[0]));
    const connections = new RedisConnections(setting.cluster, make(), make(), make(), make(), make());
    const all = Promise.all(connections.all().map((c) => c.connect()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    });
    try {
      await Promise.race([all, timeout]);
    } catch (error) {
      await connections.close();
      const where = setting.urls.map(redactUrl).join(', ');
      throw new StartupError(
        setting.cluster ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL',
        `cannot reach Redis at ${where}: ${(error as Error).message}`,
      );
    } finally {
      clearTimeout(timer);
    }
    return connections;
  }

  /** When a connection (on a cluster, to a node) last failed: Date.now() time, 0 for never. */
  get troubleAt(): number {
    return this.lastTrouble;
  }

  /** Every connection is up (readiness); on a cluster, to every master. */
  get isReady(): boolean {
    return this.all().every((client) => (this.cluster ? clusterIsReady(client as unknown as ClusterClient) : client.isReady));
  }

  private all(): RedisClient[] {
    return [this.commands, this.reader, this.everyoneReader, this.publisher, this.subscriber];
  }

  /**
   * The connections to Redis servers, for the watchdog (every 2 s): on a cluster, each client's to
   * every master (sharded subscriptions included), noting those ready again as it goes.
   */
  private nodeClients(): RedisClient[] {
    if (!this.cluster) return this.all();
    return this.all().flatMap((client) =>
      (client as unknown as ClusterClient).masters.flatMap((master) => {
        const nodeClients = [master.client, master.pubSub?.client].filter(Boolean) as unknown as RedisClient[];
        if (master.client?.isReady) this.nodeReady.get(client)?.(`${master.host}:${master.port}`);
        return nodeClients;
      }),
    );
  }

  /**
   * Waits for replies still due, then closes; a connection that is down is dropped, and so is one
   * whose Redis has not answered within SILENCE_LIMIT_MS (a silent Redis never would).
   */
  async close(): Promise<void> {
    this.watchdog.stop();
    await Promise.all(
      this.all().map(async (client) => {
        try {
          // The bus readers sit in a blocking read: waiting for its reply would hold shutdown up.
          const reading = client === this.reader || client === this.everyoneReader;
          const closing = client.isOpen && !reading && (this.cluster || client.isReady);
          if (closing && (await within(SILENCE_LIMIT_MS, client.close()))) return;
          if (client.isOpen) client.destroy();
        } catch {
          // Closed already.
        }
      }),
    );
  }

  /**
   * One line when a connection is lost and one when it is back, not one per retry. Before it was
   * ever up, connect() reports the failure (in one line naming the setting). On a cluster, per node.
   */
  private watch(client: RedisClient, name: string): void {
    const down = new Set<string>();
    const up = new Set<string>();
    const lost = (node: string, error: Error) => {
      this.lastTrouble = Date.now();
      if (down.has(node) || !up.has(node)) return;
      down.add(node);
      // The watchdog dropped it (node-redis names that a maintenance timeout).
      const why = error instanceof TimeoutError ? `no answer within ${SILENCE_LIMIT_MS / 1000} s` : error.message;
      this.logger.warn(`${name} connection${node ? ` to ${node}` : ''} lost: ${why}; reconnecting`);
    };
    const ready = (node: string) => {
      up.add(node);
      if (!down.delete(node)) return;
      this.logger.log(`${name} connection${node ? ` to ${node}` : ''} restored`);
    };
    if (!this.cluster) {
      client.on('error', (error: Error) => lost('', error));
      client.on('ready', () => ready(''));
      return;
    }
    const address = ({ host, port }: NodeAddress) => `${host}:${port}`;
    client.on('error', () => undefined); // the cluster's own errors come again per node, below
    client.on('node-error', (error: Error, node: NodeAddress) => lost(address(node), error));
    client.on('node-ready', (node: NodeAddress) => ready(address(node)));
    this.nodeReady.set(client, ready);
  }
}

/**
 * Socket options every connection (on a cluster, to every node) is made with: the watchdog's. A
 * fresh object each time, as node-redis writes the URL's host and port into the one it is given.
 */
const socketOptions = () => ({ socketTimeout: NEVER_IDLE_MS });

/**
 * A connection made only to read a Redis Cluster's shape: one that does not answer (a node that
 * accepts but is silent) gives up after this long, rather than hold every later lookup behind it.
 */
const DISCOVERY_TIMEOUT_MS = 5_000;

function clientOf(url: string): RedisClient {
  const client = createClient({ url, socket: socketOptions() });
  RedisWatchdog.check(client);
  return client;
}

interface NodeAddress {
  host: string;
  port: number;
}

/**
 * A Redis Cluster client. node-redis looks the cluster's shape up again only when a node answers
 * MOVED or ASK; a master that died answers nothing, so the promotion of its replica would go
 * unseen and its slots' commands would wait forever. Each failed reconnection to a node asks again
 * (node-redis runs one lookup at a time), so the client follows a failover once it is done.
 */
function clusterOf(urls: string[]): RedisClient {
  // Nodes found through the cluster are reached with the first URL's credentials and TLS.
  const first = new URL(urls[0]);
  const cluster = createCluster({
    rootNodes: urls.map((url) => ({ url, socket: { socketTimeout: DISCOVERY_TIMEOUT_MS } })),
    defaults: {
      username: first.username ? decodeURIComponent(first.username) : undefined,
      password: first.password ? decodeURIComponent(first.password) : undefined,
      socket: first.protocol === 'rediss:' ? { ...socketOptions(), tls: true } : socketOptions(),
      // A command for a node that is down fails at once (and is tried again where that matters):
      // queued, it would wait for that node forever once a replica has taken over its slots.
      disableOfflineQueue: true,
    },
  });
  RedisWatchdog.check(createClient()); // its node clients are made later, of the same kind
  const slots = (cluster as unknown as { _slots?: { rediscover?(from: { options: unknown }): Promise<void> } })._slots;
  if (typeof slots?.rediscover !== 'function') throw new Error('this node-redis cannot follow a Redis Cluster failover');
  cluster.on('node-reconnecting', (node: NodeAddress) => {
    const socket = { host: node.host, port: node.port, socketTimeout: DISCOVERY_TIMEOUT_MS };
    slots.rediscover!({ options: { socket } }).catch(() => undefined);
  });
  return cluster as unknown as RedisClient;
}

function clusterIsReady(cluster: ClusterClient): boolean {
  return cluster.isOpen && cluster.masters.every((master) => !master.client || master.client.isReady);
}

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}
