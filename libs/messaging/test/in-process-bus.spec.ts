import { createInProcessBus } from '../src';
import { describeEventBusBehaviour } from './event-bus-behaviour.suite';

// The in-process bus (embedded mode) must behave like JetStream: the same suite runs here
// without I/O and against a real NATS server in jetstream-bus.integration-spec.ts.
describeEventBusBehaviour('in-process bus', {
  system: 'in_process',
  createBus: async () => createInProcessBus(),
});

describe('in-process bus: logging of transient failures', () => {
  /** Every log line as [level, message, fields]. */
  function capturingLogger() {
    const lines: Array<[string, string, Record<string, unknown>]> = [];
    const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => void lines.push([level, msg ?? '', obj]);
    return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
  }
  const enc = new TextEncoder();

  it('a partial outage (some messages fail, others go through) does not flap: the others\' acks do not end it', async () => {
    const { lines, logger } = capturingLogger();
    const bus = createInProcessBus({ logger });
    await bus.ensureStreams([{ name: 'LOGP', subjects: ['logp.>'] }]);
    let down = true;
    const handled: string[] = [];
    const h = await bus.consume(
      { stream: 'LOGP', durable: 'logp', ackWaitMs: 1_000, retry: { initialDelayMs: 20, maxDelayMs: 20, multiplier: 1, jitter: 0 } },
      async (e) => {
        const id = new TextDecoder().decode(e.data);
        if (id.startsWith('needs') && down) return { kind: 'nak', delayMs: 20, reason: 'customer UNAVAILABLE', transient: true };
        handled.push(id);
        return undefined;
      },
      { concurrency: 4 },
    );
    try {
      await bus.publish({ subject: 'logp.a', data: enc.encode('needs-1'), msgID: 'needs-1' });
      const until = Date.now() + 5_000;
      for (let i = 0; i < 5; i++) {
        await bus.publish({ subject: 'logp.b', data: enc.encode(`fine-${i}`), msgID: `fine-${i}` });
        await new Promise((r) => setTimeout(r, 30));
      }
      while (handled.length < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      down = false;
      while (!handled.includes('needs-1') && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(handled).toContain('needs-1');
      expect(lines.filter((l) => l[0] === 'warn')).toHaveLength(1);
      expect(lines.filter((l) => l[0] === 'info').map((l) => l[1])).toEqual(['consumer logp (transient failures) recovered']);
    } finally {
      await h.stop();
      await bus.close();
    }
  });

  it('an outage is one warn line and one recovery line, however many messages and retries it took', async () => {
    const { lines, logger } = capturingLogger();
    const bus = createInProcessBus({ logger });
    await bus.ensureStreams([{ name: 'LOGT', subjects: ['logt.>'] }]);
    let down = true;
    const handled: string[] = [];
    const h = await bus.consume(
      { stream: 'LOGT', durable: 'logt', ackWaitMs: 1_000, retry: { initialDelayMs: 20, maxDelayMs: 20, multiplier: 1, jitter: 0 } },
      async (e) => {
        if (down) return { kind: 'nak', delayMs: 20, reason: 'customer UNAVAILABLE', transient: true };
        handled.push(new TextDecoder().decode(e.data));
        return undefined;
      },
      // Ordered by the body's first letter: 'a…' messages retried in place, 'b…' ones alongside.
      { concurrency: 4, orderKey: (e) => new TextDecoder().decode(e.data).slice(0, 1) },
    );
    try {
      for (const id of ['a1', 'a2', 'b1', 'b2']) await bus.publish({ subject: `logt.${id}`, data: enc.encode(id), msgID: id });
      const until = Date.now() + 5_000;
      while (lines.filter((l) => l[0] === 'debug').length < 6 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      down = false;
      while (handled.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(handled.sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
      const warns = lines.filter((l) => l[0] === 'warn');
      expect(warns.map((l) => l[1])).toEqual(['transient failure of an ordered message: retrying it in place; the later messages of its key wait']);
      expect(lines.filter((l) => l[0] === 'debug').length).toBeGreaterThanOrEqual(6);
      const infos = lines.filter((l) => l[0] === 'info');
      expect(infos.map((l) => l[1])).toEqual(['consumer logt (transient failures) recovered']);
      expect(infos[0]![2]).toMatchObject({ durable: 'logt' });
      expect(infos[0]![2]['failures']).toBeGreaterThanOrEqual(6);
    } finally {
      await h.stop();
      await bus.close();
    }
  });
});
