import { cronTickAtOrBefore } from '../src/infrastructure/engine/cron-schedule';

/** The tick a pg-boss cron job belongs to, from its createdOn (pg-boss sends it up to a minute after the tick). */
describe('cronTickAtOrBefore (Asia/Jakarta)', () => {
  const at = (iso: string) => new Date(iso);
  it('is the latest tick at or before the instant, an exact tick included', () => {
    expect(cronTickAtOrBefore('* * * * *', 'Asia/Jakarta', at('2026-01-05T02:00:00.000Z'))).toEqual(at('2026-01-05T02:00:00.000Z'));
    expect(cronTickAtOrBefore('* * * * *', 'Asia/Jakarta', at('2026-01-05T02:00:59.999Z'))).toEqual(at('2026-01-05T02:00:00.000Z'));
  });
  it('names a late-enqueued tick by its cron, not by the minute it was enqueued in', () => {
    // sla_monitor */15: enqueued 1 min 4 s late (cron monitor 30 s + send-it worker 5 s + load) is still the :00 tick.
    expect(cronTickAtOrBefore('*/15 * * * *', 'Asia/Jakarta', at('2026-01-05T11:01:04.500Z'))).toEqual(at('2026-01-05T11:00:00.000Z'));
    // daily_summary 18:00 WIB = 11:00 UTC; weekly_performance Monday 08:00 WIB = Monday 01:00 UTC.
    expect(cronTickAtOrBefore('0 18 * * *', 'Asia/Jakarta', at('2026-01-05T11:00:31Z'))).toEqual(at('2026-01-05T11:00:00Z'));
    expect(cronTickAtOrBefore('0 8 * * 1', 'Asia/Jakarta', at('2026-01-05T01:00:07Z'))).toEqual(at('2026-01-05T01:00:00Z'));
  });
});
