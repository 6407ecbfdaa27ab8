import { MemoryState } from '../cluster/shared-state';
import type { CallView } from './call.presenter';
import type { CallsRepository } from './calls.repository';
import { OpenCallIndex } from './open-call-index';

describe('OpenCallIndex', () => {
  const open = {
    id: 'c1',
    hostUserId: 'alice',
    recipientUserId: 'bob',
    status: 'ACTIVE' as 'ACTIVE' | 'CALLING',
    createdAt: '2026-12-07T10:00:00.000Z',
  };
  let inDatabase: typeof open | null;
  let reads: number;
  let index: OpenCallIndex;

  beforeEach(() => {
    inDatabase = null;
    reads = 0;
    const repository = {
      findOpenCallPartiesOf: async () => {
        reads++;
        return inDatabase;
      },
    } as unknown as CallsRepository;
    index = new OpenCallIndex(new MemoryState(), repository);
  });
  afterEach(() => jest.useRealTimers());

  const moved = (status: CallView['status']) => index.moved({ ...open, status } as CallView);

  it('answers from the moves it was told of, without reading the database', async () => {
    await moved('CALLING');
    expect(await index.of('alice')).toEqual({ callId: 'c1', hostUserId: 'alice', recipientUserId: 'bob', status: 'CALLING' });
    await moved('ACTIVE');
    expect(await index.of('bob')).toEqual({ callId: 'c1', hostUserId: 'alice', recipientUserId: 'bob', status: 'ACTIVE' });
    await moved('ENDED');
    expect(await index.of('alice')).toBeNull();
    expect(await index.of('alice')).toBeNull();
    expect(reads).toBe(0); // the end says "none" for a while; the database is asked only after that
  });

  it('lets no write delayed behind a retry undo a later move, or the next call', async () => {
    await moved('CALLING');
    await moved('ENDED');
    await moved('ACTIVE'); // the answer's write, late
    expect(await index.of('alice')).toBeNull();
    expect(reads).toBe(0);
    // The next call (a room link made earlier than the last call, say: order between calls is not told by time).
    const next = { ...open, id: 'c2', status: 'CALLING', createdAt: '2026-12-07T09:00:00.000Z' } as CallView;
    await index.moved(next);
    inDatabase = { ...open, id: 'c2', status: 'CALLING' };
    // Another call's entry was there: left for the database to answer.
    expect(await index.of('bob')).toEqual({ callId: 'c2', hostUserId: 'alice', recipientUserId: 'bob', status: 'CALLING' });
    expect(reads).toBe(1);
    await index.moved({ ...next, status: 'ACTIVE' } as CallView);
    expect(await index.of('bob')).toMatchObject({ callId: 'c2', status: 'ACTIVE' });
    await moved('ENDED'); // the first call's end, late again: the database answers after it
    inDatabase = { ...open, id: 'c2', status: 'ACTIVE' };
    expect(await index.of('alice')).toMatchObject({ callId: 'c2', status: 'ACTIVE' });
    // Within a call a move of the same rank is newer: a room link's call gets its guest while ringing.
    await index.moved({ ...next, status: 'ACTIVE', recipientUserId: 'carol' } as CallView);
    expect(await index.of('alice')).toMatchObject({ callId: 'c2', recipientUserId: 'carol' });
  });

  it('answers at once only what an in-process state holds, and never for a Redis-like one', async () => {
    expect(index.ofAtOnce('alice')).toBeUndefined(); // not known yet: the caller must ask of()
    await moved('ACTIVE');
    expect(index.ofAtOnce('alice')).toEqual({ callId: 'c1', hostUserId: 'alice', recipientUserId: 'bob', status: 'ACTIVE' });
    await moved('ENDED');
    expect(index.ofAtOnce('alice')).toBeNull(); // the end is known at once too
    expect(await index.of('alice')).toBeNull();
    expect(reads).toBe(0);

    const memory = new MemoryState();
    const remote = new OpenCallIndex(Object.assign(Object.create(memory) as MemoryState, { local: undefined }), {} as CallsRepository);
    await remote.moved({ ...open, status: 'ACTIVE' } as CallView);
    expect(await remote.of('alice')).toMatchObject({ callId: 'c1' });
    expect(remote.ofAtOnce('alice')).toBeUndefined();
  });

  it('never lets what a fill read overwrite what a move wrote meanwhile', async () => {
    let readDone!: () => void;
    const reading = new Promise<void>((resolve) => (readDone = resolve));
    const repository = { findOpenCallPartiesOf: async () => (await reading, null) } as unknown as CallsRepository;
    const racing = new OpenCallIndex(new MemoryState(), repository);
    const filling = racing.of('alice'); // reads the database: no call yet
    await racing.moved({ ...open, status: 'CALLING' } as CallView); // the call is created meanwhile
    readDone();
    expect(await filling).toBeNull();
    expect(await racing.of('alice')).toMatchObject({ callId: 'c1', status: 'CALLING' });
  });

  it('reads the database on a miss (a restart lost the state) and keeps the answer for a while only', async () => {
    jest.useFakeTimers({ now: Date.now() });
    inDatabase = open;
    expect(await index.of('alice')).toEqual({ callId: 'c1', hostUserId: 'alice', recipientUserId: 'bob', status: 'ACTIVE' });
    expect(await index.of('alice')).toMatchObject({ callId: 'c1' });
    expect(reads).toBe(1);
    // The call ended where this index did not hear of it: the filled entry lapses.
    inDatabase = null;
    jest.advanceTimersByTime(10_001);
    expect(await index.of('alice')).toBeNull();
    expect(reads).toBe(2);
  });
});
