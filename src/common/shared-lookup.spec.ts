import { SharedLookup } from './shared-lookup';

describe('SharedLookup', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('serves one lookup to every caller until its time is up, or it is dropped, or it fails', async () => {
    let made = 0;
    let fail = false;
    const lookup = new SharedLookup(1_000, () => (fail ? Promise.reject(new Error('down')) : Promise.resolve(++made)));
    expect(await Promise.all([lookup.get(), lookup.get()])).toEqual([1, 1]);
    jest.advanceTimersByTime(999);
    expect(await lookup.get()).toBe(1);
    jest.advanceTimersByTime(1);
    expect(await lookup.get()).toBe(2);
    lookup.drop();
    expect(await lookup.get()).toBe(3);
    lookup.drop();
    fail = true;
    await expect(lookup.get()).rejects.toThrow('down');
    fail = false;
    expect(await lookup.get()).toBe(4);
  });
});
