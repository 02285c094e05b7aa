// The readiness state machine: threshold, first-success recovery, one log line per transition,
// timeouts, listeners. Checks are plain functions the test flips (no I/O); the real Postgres /
// NATS checks are in readiness.integration-spec.ts.
import { startReadiness, type Readiness, type ReadinessState } from '../src';

interface Line {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function captureLogger() {
  const lines: Line[] = [];
  const at = (level: Line['level']) => (obj: Record<string, unknown>, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } as never };
}

/** A dependency the test turns up and down; `hang` makes its check never answer. */
function dependency(name: string) {
  const dep = {
    name,
    up: true,
    hang: false,
    calls: 0,
    check: async (): Promise<void> => {
      dep.calls++;
      if (dep.hang) return new Promise<void>(() => undefined);
      if (!dep.up) throw new Error(`${name} refused`);
    },
  };
  return dep;
}

describe('startReadiness', () => {
  const started: Readiness[] = [];
  afterEach(() => started.splice(0).forEach((r) => r.stop()));
  /** No periodic round gets in the way: the test drives the rounds with checkNow(). */
  const start = (options: Omit<Parameters<typeof startReadiness>[0], 'service'>) => {
    const r = startReadiness({ service: 'probe', intervalMs: 3_600_000, ...options });
    started.push(r);
    return r;
  };

  it('starts ready; turns not ready after `failureThreshold` failures in a row, ready again at the first success, logging each transition once', async () => {
    const pg = dependency('postgres');
    const { lines, logger } = captureLogger();
    const r = start({ checks: [pg], logger, failureThreshold: 2 });
    const seen: ReadinessState[] = [];
    r.onChange((s) => seen.push(s));
    expect(r.state()).toEqual({ ready: true, failing: [] });

    pg.up = false;
    await expect(r.checkNow()).resolves.toEqual({ ready: true, failing: [] }); // 1 of 2
    await expect(r.checkNow()).resolves.toEqual({ ready: false, failing: ['postgres'] });
    await r.checkNow(); // still failing: no new line, no new event
    expect(lines).toEqual([
      { level: 'warn', obj: expect.objectContaining({ failing: ['postgres'], errors: { postgres: 'postgres refused' } }), msg: 'probe not ready: postgres failing' },
    ]);

    pg.up = true;
    await expect(r.checkNow()).resolves.toEqual({ ready: true, failing: [] });
    await r.checkNow();
    expect(lines.slice(1)).toEqual([{ level: 'info', obj: {}, msg: 'probe ready again: every dependency answers' }]);
    expect(seen).toEqual([{ ready: false, failing: ['postgres'] }, { ready: true, failing: [] }]);
  });

  it('a success between failures restarts the count', async () => {
    const pg = dependency('postgres');
    const r = start({ checks: [pg], logger: captureLogger().logger, failureThreshold: 2 });
    for (const up of [false, true, false, true]) {
      pg.up = up;
      await expect(r.checkNow()).resolves.toMatchObject({ ready: true });
    }
  });

  it('names each failing dependency; a change of the failing set is a transition', async () => {
    const pg = dependency('postgres');
    const nats = dependency('nats');
    const { lines, logger } = captureLogger();
    const r = start({ checks: [pg, nats], logger, failureThreshold: 1 });
    nats.up = false;
    await expect(r.checkNow()).resolves.toEqual({ ready: false, failing: ['nats'] });
    pg.up = false;
    await expect(r.checkNow()).resolves.toEqual({ ready: false, failing: ['nats', 'postgres'] });
    nats.up = true;
    await expect(r.checkNow()).resolves.toEqual({ ready: false, failing: ['postgres'] });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'probe not ready: nats failing'],
      ['warn', 'probe not ready: nats, postgres failing'],
      ['warn', 'probe not ready: postgres failing'],
    ]);
  });

  it('a check that does not answer within timeoutMs fails', async () => {
    const pg = dependency('postgres');
    pg.hang = true;
    const { lines, logger } = captureLogger();
    const r = start({ checks: [pg], logger, failureThreshold: 1, timeoutMs: 30 });
    const t0 = Date.now();
    await expect(r.checkNow()).resolves.toEqual({ ready: false, failing: ['postgres'] });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    expect(lines[0]!.obj.errors).toEqual({ postgres: 'postgres: no answer within 30 ms' });
  });

  it('checks every intervalMs until stopped; a throwing listener is logged and the others still run', async () => {
    const pg = dependency('postgres');
    pg.up = false;
    const { lines, logger } = captureLogger();
    const r = start({ checks: [pg], logger, failureThreshold: 1, intervalMs: 10 });
    let heard = 0;
    r.onChange(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = r.onChange(() => void heard++);
    await new Promise((res) => setTimeout(res, 100));
    expect(r.state()).toEqual({ ready: false, failing: ['postgres'] });
    expect(heard).toBe(1);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(['readiness listener failed']);
    // Stopped with the listener still subscribed and the dependency back: no round (not even one in
    // flight at stop) reports the recovery.
    pg.up = true;
    r.stop();
    const calls = pg.calls;
    await new Promise((res) => setTimeout(res, 60));
    expect(pg.calls).toBeLessThanOrEqual(calls + 1); // at most the round that was in flight
    expect(heard).toBe(1);
    expect(r.state()).toEqual({ ready: false, failing: ['postgres'] });
    unsubscribe();
  });

  it('rejects nonsense tuning with a RangeError', () => {
    const logger = captureLogger().logger;
    expect(() => startReadiness({ service: 'p', checks: [], logger, intervalMs: 0 })).toThrow(RangeError);
    expect(() => startReadiness({ service: 'p', checks: [], logger, timeoutMs: -1 })).toThrow(RangeError);
    expect(() => startReadiness({ service: 'p', checks: [], logger, failureThreshold: 1.5 })).toThrow(/failureThreshold must be an integer >= 1/);
  });
});
