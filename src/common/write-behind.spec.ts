import { Logger } from '@nestjs/common';
import { WriteBehind } from './write-behind';

describe('WriteBehind', () => {
  it('resolves every flush made at once only when what waited is written, whichever flush wrote it', async () => {
    const waiting: number[] = [];
    const written: number[] = [];
    let finishWrite = () => {};
    const writes = new WriteBehind(
      'items',
      {
        waiting: () => waiting.length > 0,
        take: () => {
          const items = waiting.splice(0);
          return {
            write: () => new Promise<void>((done) => (finishWrite = () => (written.push(...items), done()))),
            putBack: () => waiting.unshift(...items),
          };
        },
      },
      new Logger('test'),
    );
    waiting.push(1, 2);
    const seen: number[][] = [];
    const flushes = [writes.flush(), writes.flush()].map((flush) => flush.then(() => seen.push([...written])));
    await new Promise((done) => setImmediate(done));
    expect(seen).toEqual([]);
    finishWrite();
    await Promise.all(flushes);
    expect(seen).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });
});
