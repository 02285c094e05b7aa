import { Pacer } from '../../src/infrastructure/providers';

describe('Pacer (per-provider pacing)', () => {
  /** A pacer on a clock the test moves. */
  const at = (perSecond: number) => {
    const clock = { t: 1000 };
    return { clock, pacer: new Pacer(perSecond, () => clock.t) };
  };

  it('hands out slots spaced at the configured rate', () => {
    const { pacer } = at(20); // one slot every 50 ms
    expect([0, 1, 2, 3].map(() => pacer.reserve())).toEqual([0, 50, 100, 150]);
    expect(pacer.waitMs()).toBe(200);
  });

  it('counts the slots that start within a horizon, and when one more does', () => {
    const { clock, pacer } = at(2); // one slot every 500 ms
    expect(pacer.capacity(250)).toBe(1);
    expect(pacer.capacity(1000)).toBe(3); // now, +500, +1000
    pacer.reserve();
    expect(pacer.capacity(250)).toBe(0);
    expect(pacer.capacityInMs(250)).toBe(250);
    clock.t += 250;
    expect(pacer.capacity(250)).toBe(1);
    expect(pacer.capacityInMs(250)).toBe(0);
  });

  it('tryReserve takes a slot only within the wait it is given', () => {
    const { pacer } = at(1);
    expect(pacer.tryReserve(0)).toBe(0);
    expect(pacer.tryReserve(500)).toBeNull(); // the next slot is 1000 ms away: nothing taken
    expect(pacer.waitMs()).toBe(1000);
    expect(pacer.tryReserve(1000)).toBe(1000);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new Pacer(0)).toThrow(RangeError);
  });
});
