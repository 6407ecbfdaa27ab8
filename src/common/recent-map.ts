/**
 * A map whose entries last until a given time and that holds at most `maxEntries`: the oldest
 * goes when it is full (a Map keeps insertion order, so the first entry is always the oldest).
 */
export class RecentMap<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();

  constructor(private readonly maxEntries: number) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: K, value: V, until: number): V {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until });
    return value;
  }
}
