/**
 * One lookup shared by every caller for a while: `get` answers with the promise made last, until
 * `ttlMs` after it was made (at once, if it fails), or until `drop`.
 */
export class SharedLookup<T> {
  private current: Promise<T> | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly make: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    if (this.current) return this.current;
    const lookup = this.make();
    this.current = lookup;
    const forget = () => {
      if (this.current === lookup) this.current = null;
    };
    setTimeout(forget, this.ttlMs).unref();
    lookup.catch(forget);
    return lookup;
  }

  drop(): void {
    this.current = null;
  }
}
