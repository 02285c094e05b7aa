// expediteOnRecovery: a breaker that closes makes the channel's waiting deliveries due at once and
// again a moment later, for the rounds that were in flight when it closed (trials the half-open
// breaker refused record their retry time after the first pass; CI saw such a backlog wait its
// whole backoff); stop() cancels the passes still to come.
import { setTimeout as sleep } from 'node:timers/promises';
import { expediteOnRecovery } from '../../src/application';

describe('expediteOnRecovery', () => {
  const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };

  function setUp(laterPassesMs: number[]) {
    let recovered: ((provider: string) => void) | undefined;
    const passes: string[] = [];
    let pokes = 0;
    const handle = expediteOnRecovery({
      channel: 'WHATSAPP',
      chain: { onRecovered: (l) => void (recovered = l), onHalfOpen: () => undefined },
      store: { expediteFailed: async (channel) => (passes.push(channel), 1) },
      clock: () => new Date(), logger: quiet, wake: { poke: () => void pokes++ }, smsFallbackPriorities: [], laterPassesMs,
    });
    return { recover: () => recovered!('fonnte'), passes, pokes: () => pokes, handle };
  }

  it('makes the waiting deliveries due when the breaker closes, and again after each later pass', async () => {
    const t = setUp([20, 60]);
    t.recover();
    await sleep(5);
    expect(t.passes).toEqual(['WHATSAPP']);
    await sleep(100);
    expect(t.passes).toEqual(['WHATSAPP', 'WHATSAPP', 'WHATSAPP']);
    expect(t.pokes()).toBe(3);
  });

  it('stop() cancels the later passes', async () => {
    const t = setUp([30]);
    t.recover();
    await sleep(5);
    t.handle.stop();
    await sleep(60);
    expect(t.passes).toEqual(['WHATSAPP']);
  });
});
