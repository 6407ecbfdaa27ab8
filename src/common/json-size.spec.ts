import fc from 'fast-check';
import { jsonSurelyExceeds, jsonSurelyFits } from './json-size';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? 'null');

describe('jsonSurelyFits', () => {
  it('never says a value fits when its JSON is larger than the limit', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(2_000), (value, limit) => {
        if (jsonSurelyFits(value, limit)) expect(bytes(value)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 2_000 },
    );
  });

  it('holds for the worst escapes: control characters, lone surrogates, long numbers', () => {
    for (const value of ['\u0000'.repeat(50), '\ud800'.repeat(50), '€'.repeat(50), [-1.2345678901234567e-308], { '\u0001': '\udfff' }]) {
      const exact = bytes(value);
      expect(jsonSurelyFits(value, exact - 1)).toBe(false);
    }
  });

  it('says yes to a typical 3 KB offer well under the signaling limit, without serializing it', () => {
    const offer = { type: 'offer', sdp: 'a=candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host\r\n'.repeat(50) };
    expect(bytes(offer)).toBeGreaterThan(3_000);
    expect(jsonSurelyFits(offer, 65_536)).toBe(true);
  });

  it('is not sure about what it cannot bound (buffers, dates)', () => {
    expect(jsonSurelyFits({ data: Buffer.from('x') }, 65_536)).toBe(false);
    expect(jsonSurelyFits(new Date(), 65_536)).toBe(false);
  });
});

describe('jsonSurelyExceeds', () => {
  it('never says a value is over the limit when its JSON is not', () => {
    const withBinary = fc.oneof(
      fc.jsonValue(),
      fc.uint8Array({ maxLength: 300 }).map((b) => ({ data: Buffer.from(b), note: 'x' })),
    );
    fc.assert(
      fc.property(withBinary, fc.nat(2_000), (value, limit) => {
        if (jsonSurelyExceeds(value, limit)) expect(bytes(value)).toBeGreaterThan(limit);
      }),
      { numRuns: 2_000 },
    );
  });

  it('tells a large buffer is over the limit from its length alone', () => {
    expect(jsonSurelyExceeds({ signal: { data: Buffer.alloc(70_000) } }, 65_536)).toBe(true);
    expect(jsonSurelyExceeds({ sdp: 'v=0' }, 65_536)).toBe(false);
  });
});
