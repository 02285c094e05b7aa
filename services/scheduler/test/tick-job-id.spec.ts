import { tickJobId } from '../src/infrastructure/engine/pg-boss-job-engine';

describe('tickJobId', () => {
  const tick = new Date('2026-01-05T02:00:00Z');
  it('is a stable RFC 4122 UUID per (job, tick)', () => {
    expect(tickJobId('sla_monitor', tick)).toBe(tickJobId('sla_monitor', new Date(tick.getTime())));
    expect(tickJobId('sla_monitor', tick)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('differs between jobs and between ticks', () => {
    expect(tickJobId('sla_monitor', tick)).not.toBe(tickJobId('daily_summary', tick));
    expect(tickJobId('sla_monitor', tick)).not.toBe(tickJobId('sla_monitor', new Date(tick.getTime() + 15 * 60_000)));
  });
});
