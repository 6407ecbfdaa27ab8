import { RepeatedErrors } from './repeated-errors';

describe('RepeatedErrors', () => {
  const collecting = (kindsPerGroup?: number) => {
    const summaries: Array<[string, number]> = [];
    const errors = new RepeatedErrors(60_000, (kind, repeats) => summaries.push([kind, repeats]), kindsPerGroup);
    return { errors, summaries };
  };

  it('writes the first of each kind in a window and counts the rest', () => {
    const { errors, summaries } = collecting();
    expect([errors.admit('a'), errors.admit('a'), errors.admit('b'), errors.admit('a')]).toEqual([true, false, true, false]);
    errors.flush();
    expect(summaries).toEqual([['a', 2]]);
    expect(errors.admit('a')).toBe(true);
    errors.flush();
  });

  it("counts a group's kinds together past its allowance, and bounds the kinds kept", () => {
    const { errors, summaries } = collecting(3);
    const written = Array.from({ length: 10 }, (_, i) => errors.admit(`GET /?r=${i} 401 from 10.0.0.1`, 'from 10.0.0.1'));
    // Three kinds, then the first of the rest, written as it comes; the other six only counted.
    expect(written).toEqual([true, true, true, true, false, false, false, false, false, false]);
    expect(errors.admit('GET / 401 from 10.0.0.2', 'from 10.0.0.2')).toBe(true);
    const many = Array.from({ length: 2_000 }, (_, i) => errors.admit(`kind ${i}`));
    expect(many.filter(Boolean).length).toBeLessThan(1_000);
    errors.flush();
    expect(summaries).toEqual(expect.arrayContaining([['other from 10.0.0.1', 6]]));
    expect(summaries.find(([kind]) => kind === 'others')?.[1]).toBeGreaterThan(1_000);
  });
});
