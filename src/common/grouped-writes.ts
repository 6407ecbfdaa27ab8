interface Waiting<K, T> {
  kind: K;
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for small writes: the first write starts at once; writes that arrive while it
 * runs wait, and go together next, one `write` per run of the same kind in arrival order (so a
 * later write never overtakes an earlier one of another kind). Each caller's promise settles with
 * its group's write, so what it wrote is stored when it resumes. Under load, one statement carries
 * many writes; when idle, a write waits for nothing.
 */
export class GroupedWrites<K, T> {
  private waiting: Array<Waiting<K, T>> = [];
  private draining = false;

  constructor(private readonly write: (kind: K, items: T[]) => Promise<void>) {}

  run(kind: K, item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ kind, item, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.waiting.length > 0) {
      const group = this.takeRun();
      try {
        await this.write(
          group[0].kind,
          group.map((w) => w.item),
        );
        for (const w of group) w.resolve();
      } catch (error) {
        for (const w of group) w.reject(error ?? new Error('write failed'));
      }
    }
    this.draining = false;
  }

  /** The oldest waiting writes of one kind, up to the first of another. */
  private takeRun(): Array<Waiting<K, T>> {
    const kind = this.waiting[0].kind;
    const end = this.waiting.findIndex((w) => w.kind !== kind);
    return this.waiting.splice(0, end === -1 ? this.waiting.length : end);
  }
}
