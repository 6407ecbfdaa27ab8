/**
 * Which of `count` shards a key falls in, the same on every instance: for state spread over
 * several Redis keys, so that no one Redis Cluster node holds it all.
 */
export function shardOf(key: string, count: number): number {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) | 0;
  return (hash >>> 0) % count;
}
