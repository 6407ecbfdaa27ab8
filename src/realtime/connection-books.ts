import { shardOf } from '../cluster/shards';

/**
 * Keys of the shared books of connections (see ConnectionRegistry), which routing reads too.
 * `user-conns:<user>`: the user's connections, each to the instance holding it.
 */
export const userConnections = (userId: string) => `user-conns:${userId}`;
/** The books of every live connection are spread over this many hashes (see shardOf). */
const SHARDS = 16;
/** The hash that holds a live connection's user. */
export const connectionUsers = (connectionId: string) => `conn-user:${shardOf(connectionId, SHARDS)}`;
/** The hash that holds the instance holding a live connection (kept only with several instances). */
export const connectionInstances = (connectionId: string) => `conn-instance:${shardOf(connectionId, SHARDS)}`;
export const instanceConnections = (instanceId: string) => `instance-conns:${instanceId}`;
export const INSTANCES = 'instances';
export const heartbeatKey = (instanceId: string) => `instance:${instanceId}`;
/** Held (for a while) by the instance releasing a silent instance's connections, so that one instance does it. */
export const janitorKey = (instanceId: string) => `janitor:${instanceId}`;
/**
 * When the books were last started over (empty), in Date.now() time: set by the first heartbeat
 * that finds it missing, that is when a deployment's first instance starts or Redis comes back empty.
 */
export const BOOKS_SINCE = 'books-since';
