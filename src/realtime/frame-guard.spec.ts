import { textNestedDeeperThan } from './frame-guard';

const nest = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('textNestedDeeperThan', () => {
  it('tells nesting past the limit from nesting up to it, for arrays and objects alike', () => {
    expect(textNestedDeeperThan(nest(3), 3)).toBe(false);
    expect(textNestedDeeperThan(nest(4), 3)).toBe(true);
    expect(textNestedDeeperThan('{"a":{"b":{"c":{"d":1}}}}', 3)).toBe(true);
    expect(textNestedDeeperThan('{"a":{"b":{"c":1}},"d":{"e":{"f":1}}}', 3)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(textNestedDeeperThan(`["${nest(10)}"]`, 2)).toBe(false);
    expect(textNestedDeeperThan(`["\\"${nest(10)}"]`, 2)).toBe(false);
    expect(textNestedDeeperThan(`["\\\\",${nest(10)}]`, 2)).toBe(true);
  });

  it('answers from a count alone when a text has few brackets', () => {
    expect(textNestedDeeperThan(`{"sdp":"${'v=0 '.repeat(1_000)}"}`, 32)).toBe(false);
  });
});
