// natsConsumersInUse against the real NATS JetStream on loopback: a stack's durable consumer that a
// running service pulls from is reported; once that service stopped (its connection closed), not.
import { eventConsumer, eventStreams } from '@notify/events';
import { connectJetStreamBus } from '@notify/messaging';
import { createTestNats, waitFor } from '@notify/testing';
import { natsConsumersInUse } from '../src/nats-in-use';

describe('natsConsumersInUse (NATS JetStream)', () => {
  it('reports a durable consumer another process is pulling from, and nothing once it stopped', async () => {
    const nats = createTestNats('inuse');
    const bus = await connectJetStreamBus({ url: nats.url, name: 'in-use-test' });
    try {
      await bus.ensureStreams(eventStreams(nats.namespace));
      await expect(natsConsumersInUse(nats.url, nats.namespace)).resolves.toEqual([]);
      const handle = await bus.consume(eventConsumer('gateway', 'ticket', { ns: nats.namespace }), async () => undefined);
      const busy = await waitFor(async () => {
        const found = await natsConsumersInUse(nats.url, nats.namespace);
        return found.length > 0 ? found : null;
      }, { timeoutMs: 10_000 });
      expect(busy).toEqual([{ stream: `${nats.namespace.toUpperCase()}_TICKET_EVENTS`, consumer: `${nats.namespace}-gateway-ticket`, waiting: expect.any(Number) }]);
      // Another namespace (another stack) sees nothing of it.
      await expect(natsConsumersInUse(nats.url, `${nats.namespace}x`)).resolves.toEqual([]);
      await handle.stop();
      await bus.close();
      const t0 = Date.now();
      await waitFor(async () => ((await natsConsumersInUse(nats.url, nats.namespace)).length === 0 ? true : null), { timeoutMs: 40_000, intervalMs: 250 });
      process.stdout.write(`num_waiting cleared ${Date.now() - t0} ms after the consumer's connection closed\n`);
    } finally {
      await nats.cleanup();
    }
  }, 60_000);

  it('answers nothing when NATS cannot be reached', async () => {
    await expect(natsConsumersInUse('nats://127.0.0.1:1', undefined, 500)).resolves.toEqual([]);
  });
});
