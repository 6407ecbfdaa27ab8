import { RecentMap } from './recent-map';

describe('RecentMap', () => {
  it('forgets an entry at its time, and the oldest when full', () => {
    const map = new RecentMap<string, number>(2);
    const now = Date.now();
    map.set('gone', 1, now - 1);
    map.set('a', 2, now + 60_000);
    expect(map.get('gone')).toBeUndefined();
    map.set('b', 3, now + 60_000);
    map.set('c', 4, now + 60_000);
    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([undefined, 3, 4]);
    // Set again, an entry is the newest.
    map.set('b', 5, now + 60_000);
    map.set('d', 6, now + 60_000);
    expect([map.get('b'), map.get('c'), map.get('d')]).toEqual([5, undefined, 6]);
  });
});
