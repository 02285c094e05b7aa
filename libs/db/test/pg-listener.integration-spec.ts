// PgListener against the real Postgres, its connection through a TCP proxy the tests cut: a
// NOTIFY reaches the handler; an outage is one warn for the loss, one failure streak for the
// reconnects and one info line for the return, after which onConnected runs again and
// notifications flow; a failed start can be retried in the background; close() during a
// reconnect wait leaves no timer and makes no further attempt.
import { Client, type Notification } from 'pg';
import { PgListener, type PgListenerOptions } from '../src';
// The testing lib's fixtures; the boundary rule does not yet tell test code from library code.
import { startOutageProxy, testEnv, uniqueName, waitFor, type OutageProxy } from '@notify/testing';

jest.setTimeout(30_000);

const APP = 'pg-listener-spec';
const url = testEnv().databaseUrl;

interface Line {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** A listener through a fresh proxy, recording what it logs, receives and when it connects. */
function harness(proxy: OutageProxy, extra: Partial<PgListenerOptions> = {}) {
  const channel = uniqueName('pgl');
  const lines: Line[] = [];
  const notifications: Notification[] = [];
  const connected: Array<{ reconnected: boolean }> = [];
  const record = (level: string) => (fields: object, msg: string) => void lines.push({ level, msg, fields: fields as Record<string, unknown> });
  const listener = new PgListener({
    client: { connectionString: proxy.url, application_name: APP },
    channel,
    onNotification: (n) => void notifications.push(n),
    onConnected: (e) => void connected.push(e),
    logger: { debug: record('debug'), info: record('info'), warn: record('warn') },
    what: 'spec',
    logFields: { spec: true },
    reconnect: { initialMs: 50, maxMs: 100 },
    ...extra,
  });
  listeners.push(listener);
  const notify = async (payload: string) => {
    const c = new Client({ connectionString: url }); // direct: not through the proxy
    await c.connect();
    try {
      await c.query('SELECT pg_notify($1, $2)', [channel, payload]);
    } finally {
      await c.end();
    }
  };
  const payloads = () => notifications.map((n) => n.payload);
  const said = (msg: string) => lines.filter((l) => l.msg === msg);
  return { listener, channel, lines, connected, notify, payloads, said };
}

/** This spec's LISTEN backends (application_name), counted directly on Postgres. */
async function backends(): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [APP]);
    return rows[0]!.n;
  } finally {
    await c.end();
  }
}

const activeTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

let proxy: OutageProxy;
const listeners: PgListener[] = [];

beforeEach(async () => {
  proxy = await startOutageProxy(url);
});
afterEach(async () => {
  for (const l of listeners.splice(0)) await l.close();
  await proxy.close();
});

it('a NOTIFY on its channel reaches onNotification (with its payload); onConnected follows the first LISTEN', async () => {
  const h = harness(proxy);
  await h.listener.start();
  expect(h.listener.listening).toBe(true);
  expect(h.connected).toEqual([{ reconnected: false }]);
  await h.notify('hello');
  await waitFor(() => h.payloads().length === 1, { description: 'the notification' });
  expect(h.payloads()).toEqual(['hello']);
  expect(h.lines).toEqual([]);
});

it('a cut is one warn line, the failed reconnects one streak, the return one info line; then onConnected again and NOTIFYs arrive', async () => {
  const h = harness(proxy);
  await h.listener.start();
  await proxy.down();
  await waitFor(() => h.said('spec: LISTEN connection lost, reconnecting').length > 0, { description: 'the loss logged' });
  expect(h.listener.listening).toBe(false);
  await waitFor(() => h.said('spec: LISTEN reconnect failed').length >= 4, { description: 'several failed reconnects' });
  await h.notify('while down'); // nobody listens: lost (the caller catches up in onConnected)
  await proxy.up();
  await waitFor(() => h.connected.length === 2, { description: 'onConnected after the reconnect' });
  expect(h.connected).toEqual([{ reconnected: false }, { reconnected: true }]);
  expect(h.listener.listening).toBe(true);
  await h.notify('after');
  await waitFor(() => h.payloads().includes('after'), { description: 'the NOTIFY after the reconnect' });
  expect(h.payloads()).toEqual(['after']);

  const failed = h.said('spec: LISTEN reconnect failed');
  // One streak: its first failure at warn, the rest at debug (no reminder within a minute).
  expect(failed.map((l) => l.level)).toEqual(['warn', ...failed.slice(1).map(() => 'debug')]);
  expect(failed[0]!.fields).toMatchObject({ spec: true, channel: h.channel, attempt: 1 });
  expect(h.lines.filter((l) => l.level !== 'debug').map((l) => [l.level, l.msg])).toEqual([
    ['warn', 'spec: LISTEN connection lost, reconnecting'],
    ['warn', 'spec: LISTEN reconnect failed'],
    ['info', 'spec: LISTEN reconnected'],
  ]);
  expect(h.said('spec: LISTEN reconnected')[0]!.fields).toMatchObject({ spec: true, channel: h.channel, failures: failed.length });
  expect(await backends()).toBe(1); // the failed attempts left no connection behind

  // A second outage is a streak of its own: its first failed reconnect is at warn again.
  await proxy.down();
  await waitFor(() => h.said('spec: LISTEN reconnect failed').length > failed.length, { description: 'a failed reconnect in the second outage' });
  expect(h.said('spec: LISTEN reconnect failed')[failed.length]!.level).toBe('warn');
});

it('start() rejects when Postgres is unreachable (nothing logged, nothing retried); retryInBackground() then gets it back', async () => {
  await proxy.down();
  const h = harness(proxy);
  const failure = await h.listener.start().then(() => undefined, (err: unknown) => err);
  expect(failure).toMatchObject({ code: 'ECONNREFUSED' }); // the proxy refuses while down
  await new Promise((r) => setTimeout(r, 200)); // longer than a few reconnect waits (≤ 100 ms)
  expect(h.listener.listening).toBe(false);
  expect(h.lines).toEqual([]);
  expect(h.connected).toEqual([]);
  await expect(h.listener.start()).rejects.toThrow('called twice');

  h.listener.retryInBackground(failure);
  expect(h.lines.map((l) => [l.level, l.msg])).toEqual([['warn', 'spec: LISTEN failed, retrying in the background']]);
  await waitFor(() => h.said('spec: LISTEN reconnect failed').length >= 2, { description: 'failed attempts in the background' });
  await proxy.up();
  await waitFor(() => h.connected.length === 1, { description: 'onConnected once it is up' });
  expect(h.connected).toEqual([{ reconnected: true }]);
  expect(h.said('spec: LISTEN reconnected')).toHaveLength(1);
  await h.notify('late');
  await waitFor(() => h.payloads().includes('late'), { description: 'a NOTIFY once it is up' });
});

it('close() during a reconnect wait cancels it: no timer left, no further attempt', async () => {
  // Waits of 1–2 s, so the test closes while the first one runs.
  const h = harness(proxy, { reconnect: { initialMs: 2_000, maxMs: 2_000 } });
  await h.listener.start();
  await proxy.down();
  await waitFor(() => h.said('spec: LISTEN connection lost, reconnecting').length > 0, { description: 'the loss logged' });
  const timersBefore = activeTimers();
  const closing = h.listener.close(); // clears the timer synchronously
  expect(activeTimers()).toBe(timersBefore - 1);
  await closing;
  await proxy.up();
  // Past the longest wait: an attempt would have connected through the proxy by now.
  await new Promise((r) => setTimeout(r, 2_500));
  expect(h.connected).toEqual([{ reconnected: false }]);
  expect(h.listener.listening).toBe(false);
  expect(h.lines.map((l) => l.msg)).toEqual(['spec: LISTEN connection lost, reconnecting']);
  await waitFor(() => backends().then((n) => n === 0), { description: 'no LISTEN backend left' });
});

it('close() ends the connection: no more notifications, no reconnect, no log line', async () => {
  const h = harness(proxy);
  await h.listener.start();
  expect(await backends()).toBe(1);
  await h.listener.close();
  expect(h.listener.listening).toBe(false);
  await h.notify('after close');
  await new Promise((r) => setTimeout(r, 300)); // longer than a reconnect wait (≤ 100 ms)
  expect(h.payloads()).toEqual([]);
  expect(h.lines).toEqual([]);
  await waitFor(() => backends().then((n) => n === 0), { description: 'no LISTEN backend left' });
});

it('rejects a channel that cannot be quoted as an identifier', () => {
  expect(() => new PgListener({ client: {}, channel: 'a"b', onNotification: () => undefined, what: 'spec' })).toThrow(TypeError);
  expect(() => new PgListener({ client: {}, channel: '', onNotification: () => undefined, what: 'spec' })).toThrow(TypeError);
});
