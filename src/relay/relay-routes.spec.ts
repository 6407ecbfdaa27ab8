import { MemoryState } from '../cluster/shared-state';
import { RelayRoute, RelayRoutes } from './relay-routes';

describe('RelayRoutes', () => {
  const route: RelayRoute = {
    call: { callId: 'c1', hostUserId: 'alice', recipientUserId: 'bob', status: 'ACTIVE' },
    to: { userId: 'bob' },
  };
  let state: MemoryState;
  let now: number;
  let routes: RelayRoutes;

  beforeEach(() => {
    state = new MemoryState();
    now = 1_000;
    routes = new RelayRoutes(state.local, () => now);
    routes.keep('conn-a', { userId: 'bob', callId: 'c1' }, route, 2_000);
  });

  it('gives the kept route back for the same target and call while nothing changed', () => {
    expect(routes.recall('conn-a', { userId: 'bob', callId: 'c1' })).toMatchObject(route);
    expect(routes.recall('conn-a', { userId: 'bob', callId: 'c1' })).toMatchObject(route);
  });

  it('gives nothing for another sender, target, kind of target or call', () => {
    expect(routes.recall('conn-b', { userId: 'bob', callId: 'c1' })).toBeUndefined();
    expect(routes.recall('conn-a', { userId: 'carol', callId: 'c1' })).toBeUndefined();
    expect(routes.recall('conn-a', { connectionId: 'bob' })).toBeUndefined();
    expect(routes.recall('conn-a', { userId: 'bob' })).toBeUndefined();
    expect(routes.recall('conn-a', { userId: 'bob', callId: 'c2' })).toBeUndefined();
  });

  it.each([
    ['a hash field is set', (s: MemoryState) => s.hSet('engaged:c1', 'bob', 'conn-b2')],
    ['a hash field is removed', (s: MemoryState) => s.hDelCount('conn-user', 'conn-b')],
    ['a set gains a member', (s: MemoryState) => s.sAdd('room-of', 'c1')],
    ['a set loses a member', (s: MemoryState) => s.sRem('room-of', 'c1')],
    ['an entry is written', (s: MemoryState) => s.setExpiring('open-call:alice', 'null', 10_000)],
    ['a key is deleted', (s: MemoryState) => s.del('open-call:alice')],
  ])('forgets the route once %s anywhere in the state', async (_, write) => {
    await write(state);
    expect(routes.recall('conn-a', { userId: 'bob', callId: 'c1' })).toBeUndefined();
  });

  it('forgets the route when the entry it rests on lapses', () => {
    now = 1_999;
    expect(routes.recall('conn-a', { userId: 'bob', callId: 'c1' })).toBeDefined();
    now = 2_000;
    expect(routes.recall('conn-a', { userId: 'bob', callId: 'c1' })).toBeUndefined();
  });

  it('forgets a sender that is gone', () => {
    routes.forget('conn-a');
    expect(routes.recall('conn-a', { userId: 'bob', callId: 'c1' })).toBeUndefined();
  });

  it('a write that came before keeping does not undo the kept route', async () => {
    await state.hSet('engaged:c1', 'bob', 'conn-b');
    routes.keep('conn-a', { userId: 'bob', callId: 'c1' }, route, 2_000);
    expect(routes.recall('conn-a', { userId: 'bob', callId: 'c1' })).toBeDefined();
  });
});
