import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import {
  REDACTED,
  createTestTracing,
  extractTraceContext,
  injectTraceHeaders,
  setSpanAttributes,
  activeTraceIds,
  withSpan,
  type TestTracing,
} from '../src';

let tt: TestTracing;
beforeAll(() => {
  tt = createTestTracing();
});
afterEach(() => tt.reset());
afterAll(() => tt.shutdown());

const parentId = (s: { parentSpanContext?: { spanId: string } }) => s.parentSpanContext?.spanId;

describe('trace context across a message (NATS headers, outbox row)', () => {
  it('a consumer span started from extracted headers continues the producer trace', async () => {
    const record: Record<string, string> = {};
    await withSpan('publish ticket.created', {}, async () => {
      Object.assign(record, injectTraceHeaders());
    });
    expect(record.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    // The other side: no active span, only the record's headers.
    await context.with(ROOT_CONTEXT, () =>
      withSpan('consume ticket.created', {}, async () => undefined, { parent: extractTraceContext(record), kind: SpanKind.CONSUMER }),
    );

    const [producer] = tt.spansNamed('publish ticket.created');
    const [consumer] = tt.spansNamed('consume ticket.created');
    expect(consumer!.spanContext().traceId).toBe(producer!.spanContext().traceId);
    expect(parentId(consumer!)).toBe(producer!.spanContext().spanId);
    expect(consumer!.kind).toBe(SpanKind.CONSUMER);
  });

  it('reads headers through get() (NATS MsgHdrs) and carries baggage', async () => {
    let headers: Record<string, string> = {};
    await withSpan('producer', {}, async () => {
      const ctx = propagation.setBaggage(context.active(), propagation.createBaggage({ 'notify.tenant': { value: 'isp-1' } }));
      headers = injectTraceHeaders(ctx);
    });
    const msgHdrs = { get: (name: string) => headers[name] ?? '' };
    const ctx = extractTraceContext(msgHdrs, ROOT_CONTEXT);
    expect(trace.getSpanContext(ctx)?.traceId).toBe(tt.spansNamed('producer')[0]!.spanContext().traceId);
    expect(propagation.getBaggage(ctx)?.getEntry('notify.tenant')?.value).toBe('isp-1');
  });

  it('missing or garbage headers leave the base context (a new trace starts)', async () => {
    expect(extractTraceContext(undefined, ROOT_CONTEXT)).toBe(ROOT_CONTEXT);
    const ctx = extractTraceContext({ traceparent: 'not-a-traceparent' }, ROOT_CONTEXT);
    expect(trace.getSpanContext(ctx)).toBeUndefined();
    expect(injectTraceHeaders(ROOT_CONTEXT)).toEqual({});
  });
});

describe('withSpan', () => {
  it('returns the result, prefixes attributes, nests spans and ends them', async () => {
    const result = await withSpan('outer', { ticket_id: 't-1', 'messaging.system': 'nats', skipped: undefined }, async () =>
      withSpan('inner', { attempt: 2 }, () => {
        setSpanAttributes({ provider: 'fonnte' });
        return activeTraceIds();
      }),
    );
    const [outer] = tt.spansNamed('outer');
    const [inner] = tt.spansNamed('inner');
    expect(outer!.attributes).toEqual({ 'notify.ticket_id': 't-1', 'messaging.system': 'nats' });
    expect(inner!.attributes).toEqual({ 'notify.attempt': 2, 'notify.provider': 'fonnte' });
    expect(parentId(inner!)).toBe(outer!.spanContext().spanId);
    expect(result).toEqual({ trace_id: inner!.spanContext().traceId, span_id: inner!.spanContext().spanId });
    expect(outer!.status.code).toBe(SpanStatusCode.UNSET);
    expect(activeTraceIds()).toBeUndefined();
  });

  it('on throw: records the exception, sets ERROR and rethrows the same error', async () => {
    const boom = new Error('fonnte rejected 6282291921583');
    await expect(withSpan('send', { channel: 'whatsapp' }, async () => Promise.reject(boom))).rejects.toBe(boom);
    const [span] = tt.spansNamed('send');
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'fonnte rejected 62822****583' });
    expect(span!.events).toHaveLength(1);
    expect(span!.events[0]!.name).toBe('exception');
    expect(span!.events[0]!.attributes).toMatchObject({ 'exception.type': 'Error', 'exception.message': 'fonnte rejected 62822****583' });
    expect(JSON.stringify(span!.events)).not.toContain('6282291921583');
    expect(span!.endTime[0]).toBeGreaterThan(0);
  });

  it('a sync throw is handled the same way', async () => {
    await expect(
      withSpan('sync', {}, () => {
        throw new TypeError('bad');
      }),
    ).rejects.toThrow(TypeError);
    expect(tt.spansNamed('sync')[0]!.status.code).toBe(SpanStatusCode.ERROR);
  });
});

describe('redaction of exported spans', () => {
  it('masks phones and removes secrets and bodies whoever set them', async () => {
    await withSpan('deliver', { recipient: '6282291921583', message_body: 'Halo Budi' }, async (span) => {
      // As an instrumentation would, bypassing spanAttributes():
      span.setAttribute('url.full', 'https://api.fonnte.com/send?token=abc&target=6282291921583');
      span.setAttribute('http.request.header.authorization', ['Bearer xyz']);
      span.setAttribute('notify.text', 'Halo');
      span.addEvent('retry', { reason: 'timeout for 6282291921583' });
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed for +6282291921583' });
    });
    const [span] = tt.spansNamed('deliver');
    expect(span!.attributes).toEqual({
      'notify.recipient': '62822****583',
      'notify.message_body': REDACTED,
      'url.full': `https://api.fonnte.com/send?token=${REDACTED}&target=62822****583`,
      'http.request.header.authorization': REDACTED,
      'notify.text': REDACTED,
    });
    expect(span!.events[0]!.attributes).toEqual({ reason: 'timeout for 62822****583' });
    expect(span!.status.message).toBe('failed for +62822****583');
  });
});
