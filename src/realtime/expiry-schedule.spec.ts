import { ExpirySchedule } from './expiry-schedule';

describe('ExpirySchedule', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('expires each connection within a second after its time, once, unless cancelled', () => {
    const expired: string[] = [];
    const schedule = new ExpirySchedule<string>((connection) => expired.push(connection));
    const now = Date.now();
    schedule.add('a', now + 1_500);
    const b = schedule.add('b', now + 1_500);
    schedule.add('c', now + 5_000);
    schedule.cancel('b', b);
    expect(schedule.add('never', null)).toBeUndefined(); // a token without exp

    jest.advanceTimersByTime(1_499);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1_000);
    expect(expired).toEqual(['a']);
    jest.advanceTimersByTime(3_000);
    expect(expired).toEqual(['a', 'c']);
    jest.advanceTimersByTime(10_000);
    expect(expired).toEqual(['a', 'c']);
    expect(jest.getTimerCount()).toBe(0); // nothing left to expire: no timer either
  });
});
