import { randomBytes } from 'node:crypto';
import { jetstreamManager, AckPolicy, DeliverPolicy, type JetStreamManager } from '@nats-io/jetstream';
import { UnavailableError } from '@notify/errors';
import { connectJetStreamBus, InMemoryDeadLetterSink, type JetStreamEventBus } from '../src';
import { describeEventBusBehaviour } from './event-bus-behaviour.suite';

// Real nats-server with JetStream on 127.0.0.1:4222 (scripts/ensure-services.sh). Streams and
// subjects carry a random prefix per run and are deleted after each test.
const NATS_URL = 'nats://127.0.0.1:4222';

describeEventBusBehaviour('JetStream bus', {
  system: 'nats',
  createBus: () => connectJetStreamBus({ url: NATS_URL, name: 'messaging-integration-test' }),
});

describe('JetStream bus: server-side configuration', () => {
  const run = randomBytes(4).toString('hex');
  let n = 0;
  let bus: JetStreamEventBus;
  let jsm: JetStreamManager;
  let stream: string;
  let base: string;
  const enc = new TextEncoder();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeEach(async () => {
    n++;
    stream = `MSGJ_${run}_${n}`;
    base = `msgj${run}.${n}`;
    bus = await connectJetStreamBus({ url: NATS_URL, name: 'messaging-integration-test' });
    jsm = await jetstreamManager(bus.connection);
  });

  afterEach(async () => {
    await bus.deleteStreams([stream]);
    await bus.close();
  });

  test('an existing durable with a bounded max_deliver is updated to unlimited; transient failures past it are retried', async () => {
    await bus.ensureStreams([{ name: stream, subjects: [`${base}.>`] }]);
    // As an older release (or an operator) left it: the server would stop after 3 deliveries.
    await jsm.consumers.add(stream, { durable_name: 'gw', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_deliver: 3 });
    await bus.publish({ subject: `${base}.created`, data: enc.encode('x'), msgID: 'e-1' });
    const dlq = new InMemoryDeadLetterSink();
    const counts: number[] = [];
    const h = await bus.consume(
      { stream, durable: 'gw', maxDeliver: 3, ackWaitMs: 1_000, backoffMs: [20], retry: { jitter: 0 } },
      async (e) => {
        counts.push(e.deliveryCount);
        if (e.deliveryCount <= 6) throw new UnavailableError('customer: circuit breaker open');
      },
      { deadLetter: dlq },
    );
    try {
      expect((await jsm.consumers.info(stream, 'gw')).config.max_deliver).toBe(-1);
      const until = Date.now() + 10_000;
      while (counts.length < 7 && Date.now() < until) await sleep(20);
      await sleep(1_300);
      expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(dlq.records).toHaveLength(0);
      const info = await jsm.consumers.info(stream, 'gw');
      expect(info.num_ack_pending + info.num_pending).toBe(0);
    } finally {
      await h.stop();
    }
  });

  test('ensureStreams applies maxBytes, maxMsgSize and one replica, on create and on update', async () => {
    await jsm.streams.add({ name: stream, subjects: [`${base}.>`] }); // created without limits
    await bus.ensureStreams([{ name: stream, subjects: [`${base}.>`], maxBytes: 1_048_576, maxMsgSize: 65_536 }]);
    let cfg = (await jsm.streams.info(stream)).config;
    expect(cfg).toMatchObject({ max_bytes: 1_048_576, max_msg_size: 65_536, num_replicas: 1, discard: 'old' });
    await bus.ensureStreams([{ name: stream, subjects: [`${base}.>`], maxBytes: 2_097_152, maxMsgSize: 131_072 }]);
    cfg = (await jsm.streams.info(stream)).config;
    expect(cfg).toMatchObject({ max_bytes: 2_097_152, max_msg_size: 131_072, num_replicas: 1 });
    // A spec without limits leaves them as they are.
    await bus.ensureStreams([{ name: stream, subjects: [`${base}.>`] }]);
    expect((await jsm.streams.info(stream)).config).toMatchObject({ max_bytes: 2_097_152, max_msg_size: 131_072 });
  });

  test('streamReplicas: more than one needs a cluster (this single server refuses it); out of range is a RangeError', async () => {
    const clustered = await connectJetStreamBus({ url: NATS_URL, name: 'messaging-integration-test', streamReplicas: 3 });
    try {
      await expect(clustered.ensureStreams([{ name: stream, subjects: [`${base}.>`] }])).rejects.toThrow(/replicas/);
    } finally {
      await clustered.close();
    }
    await expect(connectJetStreamBus({ url: NATS_URL, name: 'messaging-integration-test', streamReplicas: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(connectJetStreamBus({ url: NATS_URL, name: 'messaging-integration-test', streamReplicas: 6 })).rejects.toBeInstanceOf(RangeError);
  });
});
