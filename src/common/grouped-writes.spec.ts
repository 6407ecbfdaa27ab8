import { GroupedWrites } from './grouped-writes';

describe('GroupedWrites', () => {
  /** A writer whose writes finish when the test says so, recording each group it was given. */
  function recorder() {
    const groups: string[] = [];
    const finish: Array<(error?: Error) => void> = [];
    const writes = new GroupedWrites<string, number>(
      (kind, items) =>
        new Promise<void>((resolve, reject) => {
          groups.push(`${kind}:${items.join(',')}`);
          finish.push((error) => (error ? reject(error) : resolve()));
        }),
    );
    return { writes, groups, finish };
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('starts a lone write at once, and groups what arrives meanwhile by runs of one kind, in order', async () => {
    const { writes, groups, finish } = recorder();
    const done: string[] = [];
    const track = (kind: string, item: number) => writes.run(kind, item).then(() => done.push(`${kind}${item}`));
    const first = track('join', 1);
    expect(groups).toEqual(['join:1']);
    const rest = [track('join', 2), track('join', 3), track('leave', 4), track('join', 5)];
    finish.shift()!();
    await first;
    await tick();
    expect(groups).toEqual(['join:1', 'join:2,3']);
    expect(done).toEqual(['join1']); // 2 and 3 wait for their own statement
    finish.shift()!();
    await tick();
    finish.shift()!();
    await tick();
    finish.shift()!();
    await Promise.all(rest);
    expect(groups).toEqual(['join:1', 'join:2,3', 'leave:4', 'join:5']);
    expect(done).toEqual(['join1', 'join2', 'join3', 'leave4', 'join5']);
  });

  it('fails only the callers of a failed group; the next group still runs', async () => {
    const { writes, groups, finish } = recorder();
    const first = writes.run('join', 1);
    const second = writes.run('leave', 2);
    finish.shift()!(new Error('database down'));
    await expect(first).rejects.toThrow('database down');
    await tick();
    expect(groups).toEqual(['join:1', 'leave:2']);
    finish.shift()!();
    await expect(second).resolves.toBeUndefined();
  });
});
