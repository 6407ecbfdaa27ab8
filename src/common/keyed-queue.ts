/**
 * Runs tasks one after another per key, in the order they were queued: a client's signaling
 * messages reach the peer in the order it sent them, whatever each one waits for on the way.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Nothing is queued or running for the key: a task done at once now keeps the order. */
  idle(key: string): boolean {
    return !this.tails.has(key);
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // The last task of a key removes it, so idle keys hold nothing.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
