import { Writable } from 'node:stream';
import { createTestTracing, withSpan, type TestTracing } from '@notify/telemetry';
import { REDACTED, createLogger, maskPhone, type LoggerOptions } from '../src';

type Line = Record<string, unknown>;

function capture(options: Partial<LoggerOptions> = {}) {
  const lines: Line[] = [];
  const raw: string[] = [];
  const logger = createLogger({
    service: 'gateway',
    version: '1.4.0',
    destination: {
      write(s: string) {
        raw.push(s);
        lines.push(JSON.parse(s) as Line);
      },
    },
    ...options,
  });
  return { logger, lines, raw };
}

const PHONE = '6282291921583';
const MASKED = '62822****583';

let tt: TestTracing;
beforeAll(() => {
  tt = createTestTracing();
});
afterAll(() => tt.shutdown());

describe('createLogger', () => {
  it('writes one JSON line with level, ISO time, service, version and message', () => {
    const { logger, lines } = capture();
    logger.info({ delivery_id: 'd-1' }, 'queued');
    logger.debug('not at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', service: 'gateway', version: '1.4.0', delivery_id: 'd-1', msg: 'queued', pid: process.pid });
    expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
    expect(lines[0]).not.toHaveProperty('trace_id');
  });

  it('honours the level option', () => {
    const { logger, lines } = capture({ level: 'debug' });
    logger.debug('shown');
    logger.trace('hidden');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([['debug', 'shown']]);
  });

  it('adds trace_id and span_id of the active span, in children too', async () => {
    const { logger, lines } = capture();
    const child = logger.child({ component: 'outbox-relay' });
    let ids: { traceId: string; spanId: string } | undefined;
    await withSpan('handle', {}, async (span) => {
      ids = { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
      logger.info('inside');
      await Promise.resolve();
      child.warn('after await');
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ trace_id: ids!.traceId, span_id: ids!.spanId, msg: 'inside' });
    expect(lines[1]).toMatchObject({ trace_id: ids!.traceId, span_id: ids!.spanId, component: 'outbox-relay', msg: 'after await' });
    expect(lines[2]).not.toHaveProperty('trace_id');
    expect(tt.spansNamed('handle')[0]!.spanContext().traceId).toBe(ids!.traceId);
  });

  it('redacts tokens, secrets and authorization headers at any depth', () => {
    const { logger, lines, raw } = capture();
    const headers = { authorization: 'Bearer sk_live_abc', 'x-api-key': 'k-123', accept: 'application/json' };
    logger.info({ token: 'fonnte-tok', req: { headers }, provider: { config: { webhook_secret: 'whs', password: 'pw' } } }, 'call');
    expect(lines[0]).toMatchObject({
      token: REDACTED,
      req: { headers: { authorization: REDACTED, 'x-api-key': REDACTED, accept: 'application/json' } },
      provider: { config: { webhook_secret: REDACTED, password: REDACTED } },
    });
    for (const secret of ['sk_live_abc', 'k-123', 'fonnte-tok', 'whs', '"pw"']) expect(raw[0]).not.toContain(secret);
    expect(headers.authorization).toBe('Bearer sk_live_abc');
  });

  it('masks phone numbers in fields, nested objects, arrays, messages, interpolation and bindings', () => {
    const { logger, lines, raw } = capture();
    const child = logger.child({ recipient: PHONE });
    child.info({ to: `+${PHONE}`, nested: { deep: { phones: [PHONE, '082291921583'] } } }, 'sending to %s (%o)', PHONE, { phone: PHONE });
    logger.info(`plain message for ${PHONE}`);
    child.child({ job: 'sla-monitor' }).child({ staff: { phone: PHONE, token: 't' } }).info('grandchild');
    expect(lines[2]).toMatchObject({ recipient: MASKED, job: 'sla-monitor', staff: { phone: MASKED, token: REDACTED }, msg: 'grandchild' });
    expect(lines[0]).toMatchObject({
      recipient: MASKED,
      to: `+${MASKED}`,
      nested: { deep: { phones: [MASKED, '08229****583'] } },
    });
    expect(lines[0]!.msg).toContain(`sending to ${MASKED}`);
    expect(lines[1]!.msg).toBe(`plain message for ${MASKED}`);
    for (const r of raw) expect(r).not.toContain(PHONE);
  });

  it('redacts errors: message, stack, fields, cause, and the message pino derives from them', () => {
    const { logger, lines, raw } = capture();
    const err = Object.assign(new Error(`Fonnte: invalid target ${PHONE}`), { status: 400, token: 'tok' });
    logger.error(err);
    logger.error({ err, delivery_id: 'd-2' });
    logger.error({ err }, 'provider failed');
    expect(lines[0]).toMatchObject({ msg: `Fonnte: invalid target ${MASKED}`, err: { type: 'Error', message: `Fonnte: invalid target ${MASKED}`, status: 400, token: REDACTED } });
    expect(lines[1]).toMatchObject({ msg: `Fonnte: invalid target ${MASKED}`, delivery_id: 'd-2' });
    expect(lines[2]!.msg).toBe('provider failed');
    expect(String((lines[0]!.err as Line).stack)).toContain(MASKED);
    for (const r of raw) expect(r).not.toContain(PHONE);
  });

  it('never logs message bodies', () => {
    const { logger, lines, raw } = capture();
    const bodyText = 'Halo Budi, teknisi Andi menuju lokasi';
    logger.info({ delivery: { id: 'd-3', body: bodyText }, request: { json: { message_body: bodyText, text: bodyText } }, text: bodyText }, 'rendered');
    expect(lines[0]).toMatchObject({
      delivery: { id: 'd-3', body: REDACTED },
      request: { json: { message_body: REDACTED, text: REDACTED } },
      text: REDACTED,
    });
    expect(raw[0]).not.toContain('Budi');
  });

  it('pretty mode writes human-readable, still redacted lines', async () => {
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({ service: 'ticket', pretty: true, destination });
    logger.info({ phone: PHONE }, 'created ticket');
    await new Promise((r) => setImmediate(r));
    // eslint-disable-next-line no-control-regex
    const out = chunks.join('').replace(/\x1b\[[0-9;]*m/g, '');
    expect(out).toMatch(/INFO.*created ticket/);
    expect(out).toContain(MASKED);
    expect(out).not.toContain(PHONE);
    expect(() => JSON.parse(out)).toThrow();
  });

  it('re-exports maskPhone', () => {
    expect(maskPhone(PHONE)).toBe(MASKED);
  });
});
