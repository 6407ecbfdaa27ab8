import { MemoryState } from './shared-state';

describe('MemoryState', () => {
  afterEach(() => jest.restoreAllMocks());

  it('drops expiring values that lapsed unread, so that many users seen once hold nothing for long', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const state = new MemoryState();
    for (let i = 0; i < 20_000; i++) await state.setExpiring(`open-call:user-${i}`, 'null', 10_000);
    await state.setExpiring('open-call:in-a-call', '{"callId":"c1"}', 24 * 3_600_000);
    const held = () => (state as unknown as { expiring: Map<string, unknown> }).expiring.size;
    expect(held()).toBe(20_001);
    now += 61_000;
    await state.setExpiring('open-call:newcomer', 'null', 10_000);
    expect(held()).toBe(2);
    expect(await state.get('open-call:in-a-call')).toBe('{"callId":"c1"}');
    expect(await state.get('open-call:newcomer')).toBe('null');
  });
});
