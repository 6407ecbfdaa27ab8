/** How long repeats of one kind are counted before their count is written. */
export const REPEAT_WINDOW_MS = 10_000;

/** Beyond this many kinds in a window, new kinds are counted together: a flood of distinct errors stays a few lines. */
const MAX_KINDS = 1_000;

/**
 * Repeated failures of one kind, written once per window with a count: an outage fails every
 * request the same way, and a line (and a stack) per request would bury everything else.
 * `kindsPerGroup` bounds the distinct kinds one group (one client, say) may write in a window;
 * past it, that group's new kinds are counted under `other <group>`.
 */
export class RepeatedErrors {
  /** Each kind seen in this window, and how often it came again. */
  private readonly repeats = new Map<string, number>();
  /** How many kinds each group has written in this window. */
  private readonly kindsOf = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly windowMs: number,
    private readonly summarize: (kind: string, repeats: number) => void,
    private readonly kindsPerGroup = Infinity,
  ) {}

  /** Whether to write this error: the first of its kind in the window is; the others are counted. */
  admit(kind: string, group?: string): boolean {
    if (!this.repeats.has(kind)) {
      const groupKinds = group === undefined ? 0 : (this.kindsOf.get(group) ?? 0);
      if (groupKinds >= this.kindsPerGroup) kind = `other ${group}`;
      else if (this.repeats.size >= MAX_KINDS) kind = 'others';
      else if (group !== undefined) this.kindsOf.set(group, groupKinds + 1);
    }
    const repeats = this.repeats.get(kind);
    this.repeats.set(kind, repeats === undefined ? 0 : repeats + 1);
    if (repeats === undefined && !this.timer) {
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
    }
    return repeats === undefined;
  }

  /** Ends the window: one line for each kind that came again. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const counted = [...this.repeats].filter(([, repeats]) => repeats > 0);
    this.repeats.clear();
    this.kindsOf.clear();
    for (const [kind, repeats] of counted) this.summarize(kind, repeats);
  }
}
