/** The Redis connections, or null with no REDIS_URL (one instance, in-process state). */
export const REDIS = Symbol('REDIS');
/** This process's id among the instances sharing Redis. */
export const INSTANCE_ID = Symbol('INSTANCE_ID');
/** cache-manager's Cache: in memory, or on the shared Redis. */
export const CACHE = Symbol('CACHE');
