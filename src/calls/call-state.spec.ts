import { canMove, isOpen, sourcesOf } from './call-state';

describe('call state machine', () => {
  it('allows exactly the contract moves', () => {
    const all = ['CALLING', 'ACTIVE', 'ENDED', 'CANCELLED', 'DECLINED', 'MISSED'] as const;
    const allowed = all.flatMap((from) => all.filter((to) => canMove(from, to)).map((to) => `${from}->${to}`));
    expect(allowed.sort()).toEqual(
      ['ACTIVE->ENDED', 'CALLING->ACTIVE', 'CALLING->CANCELLED', 'CALLING->DECLINED', 'CALLING->MISSED'].sort(),
    );
  });

  it('knows where each move may start and which calls are open', () => {
    expect(sourcesOf('ENDED')).toEqual(['ACTIVE']);
    expect(sourcesOf('ACTIVE')).toEqual(['CALLING']);
    expect(isOpen('CALLING') && isOpen('ACTIVE')).toBe(true);
    expect(isOpen('MISSED')).toBe(false);
  });
});
