// A service started while NATS was unreachable: the DeferredJetStreamBus, pointed at a TCP proxy
// in front of the real nats-server that is down at first, refuses publishes (the outbox keeps the
// events), records streams and consumers, and once the proxy is up connects by itself, ensures
// the streams and starts the consumers that were not stopped meanwhile.
import { randomBytes } from 'node:crypto';
import { startOutageProxy, waitFor, type OutageProxy } from '@notify/testing';
import { connectJetStreamBus, DeferredJetStreamBus, NatsUnreachableError, PublishFailedError, redactNatsUrl, type IncomingEvent } from '../src';

const NATS_URL = 'nats://127.0.0.1:4222';

describe('DeferredJetStreamBus (NATS unreachable at start)', () => {
  const run = randomBytes(4).toString('hex');
  const stream = `MSGD_${run}`;
  const base = `msgd${run}`;
  const enc = new TextEncoder();
  let proxy: OutageProxy;
  let bus: DeferredJetStreamBus | undefined;

  beforeAll(async () => {
    proxy = await startOutageProxy(NATS_URL);
    await proxy.down();
  });
  afterAll(async () => {
    await bus?.close();
    await proxy?.close();
    const admin = await connectJetStreamBus({ url: NATS_URL, name: 'deferred-cleanup' });
    await admin.deleteStreams([stream]).catch(() => undefined);
    await admin.close();
  });

  it('publishes fail until connected; recorded streams and consumers start once NATS is reachable; a consumer stopped meanwhile never starts', async () => {
    let connected = 0;
    bus = new DeferredJetStreamBus({ url: proxy.url, name: 'deferred-test', retryMs: 100, onConnected: () => void connected++ });
    await bus.ensureStreams([{ name: stream, subjects: [`${base}.>`] }]);
    const got: IncomingEvent[] = [];
    const cancelled: IncomingEvent[] = [];
    const live = await bus.consume({ stream, durable: 'live' }, async (e) => void got.push(e));
    const gone = await bus.consume({ stream, durable: 'gone' }, async (e) => void cancelled.push(e));
    await gone.stop();

    await expect(bus.publish({ subject: `${base}.created`, data: enc.encode('early'), msgID: `${run}-0` })).rejects.toBeInstanceOf(PublishFailedError);
    await new Promise((r) => setTimeout(r, 500)); // several failed attempts
    expect(bus.isConnected()).toBe(false);

    await proxy.up();
    await bus.connected;
    expect(bus.isConnected()).toBe(true);
    expect(connected).toBe(1);
    await bus.publish({ subject: `${base}.created`, data: enc.encode('late'), msgID: `${run}-1` });
    await waitFor(() => got.length === 1, { timeoutMs: 10_000, description: 'the recorded consumer gets the event' });
    expect(new TextDecoder().decode(got[0]!.data)).toBe('late');
    await new Promise((r) => setTimeout(r, 300));
    expect(cancelled).toEqual([]);
    await live.stop();
  });

  it('a connected bus that loses NATS calls onReconnect once it is back (the outbox relay then publishes what waited at once)', async () => {
    await proxy.up();
    let reconnects = 0;
    const connected = await connectJetStreamBus({ url: proxy.url, name: 'reconnect-test', onReconnect: () => void reconnects++ });
    try {
      await proxy.down();
      await new Promise((r) => setTimeout(r, 300));
      expect(reconnects).toBe(0);
      await proxy.up();
      await waitFor(() => reconnects === 1, { timeoutMs: 15_000, description: 'onReconnect after the connection is back' });
      await connected.ensureStreams([{ name: stream, subjects: [`${base}.>`] }]);
      await connected.publish({ subject: `${base}.after`, data: enc.encode('after'), msgID: `${run}-r` });
    } finally {
      await connected.close();
    }
  });

  it('names the servers without credentials (the URL of a secured NATS carries them)', async () => {
    expect(redactNatsUrl(['nats://svc:s3cret@nats-0:4222', 'tls://nats-1:4222'])).toBe('nats://nats-0:4222,tls://nats-1:4222');
    const unreachable = await connectJetStreamBus({ url: 'nats://svc:s3cret@127.0.0.1:1', name: 'redact-test', timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(NatsUnreachableError);
    expect((unreachable as Error).message).toMatch(/^cannot reach NATS at nats:\/\/127\.0\.0\.1:1: /);
    expect((unreachable as Error).message).not.toContain('s3cret');
  });
});
