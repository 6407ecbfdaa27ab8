/**
 * Keys of the shared books of connections (see ConnectionRegistry), which routing reads too.
 * `user-conns:<user>`: the user's connections, each to the instance holding it.
 */
export const userConnections = (userId: string) => `user-conns:${userId}`;
/** Every live connection, to its user. */
export const CONNECTION_USERS = 'conn-user';
/** Every live connection, to the instance holding it (kept only with several instances). */
export const CONNECTION_INSTANCES = 'conn-instance';
export const instanceConnections = (instanceId: string) => `instance-conns:${instanceId}`;
export const INSTANCES = 'instances';
export const heartbeatKey = (instanceId: string) => `instance:${instanceId}`;
/**
 * When the books were last started over (empty), in Date.now() time: set by the first heartbeat
 * that finds it missing, that is when a deployment's first instance starts or Redis comes back empty.
 */
export const BOOKS_SINCE = 'books-since';
