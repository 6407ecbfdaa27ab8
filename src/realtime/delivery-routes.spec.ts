import { MemoryState } from '../cluster/shared-state';
import { BOOKS_SINCE, connectionInstances, userConnections } from './connection-books';
import { BOOKS_REBUILD_MS, DeliveryRoutes } from './delivery-routes';

describe('DeliveryRoutes', () => {
  let state: MemoryState;
  let routes: DeliveryRoutes;
  const booksStartedOver = (msAgo: number) => state.setExpiring(BOOKS_SINCE, String(Date.now() - msAgo), 60_000);

  beforeEach(async () => {
    state = new MemoryState();
    routes = new DeliveryRoutes(state);
    await state.hSet(userConnections('ann'), 'c1', 'i1');
    await state.hSet(userConnections('ann'), 'c2', 'i2');
    await state.hSet(userConnections('bo'), 'c3', 'i2');
    await state.hSet(connectionInstances('c1'), 'c1', 'i1');
  });

  it('sends to the instances holding the users’ connections, each once', async () => {
    await booksStartedOver(BOOKS_REBUILD_MS);
    expect(await routes.of({ to: 'users', userIds: ['ann', 'bo'] })).toEqual(['i1', 'i2']);
    expect(await routes.of({ to: 'users', userIds: ['ann', 'nobody'] })).toEqual(['i1', 'i2']);
    expect(await routes.of({ to: 'users', userIds: ['nobody'] })).toEqual([]);
  });

  it('sends to the instance holding a connection, remembered once found', async () => {
    await booksStartedOver(BOOKS_REBUILD_MS);
    expect(await routes.of({ to: 'connection', connectionId: 'c1' })).toEqual(['i1']);
    await state.hDelCount(connectionInstances('c1'), 'c1');
    expect(routes.of({ to: 'connection', connectionId: 'c1' })).toEqual(['i1']);
    expect(await routes.of({ to: 'connection', connectionId: 'gone' })).toEqual([]);
  });

  it('sends what the books do not show to every instance while they are being rebuilt, or before they were ever started', async () => {
    expect(await routes.of({ to: 'users', userIds: ['nobody'] })).toBe('everyone');
    await booksStartedOver(BOOKS_REBUILD_MS - 500);
    expect(await routes.of({ to: 'users', userIds: ['ann', 'nobody'] })).toBe('everyone');
    expect(await routes.of({ to: 'connection', connectionId: 'gone' })).toBe('everyone');
    // What they do show is routed.
    expect(await routes.of({ to: 'users', userIds: ['bo'] })).toEqual(['i2']);
  });

  it('sends what goes to watchers to every instance: only each instance knows its watchers', () => {
    expect(routes.of({ to: 'watchers' })).toBe('everyone');
  });
});
