import { trace } from '@opentelemetry/api';
import { createTestTracing, type TestTracing } from '@notify/telemetry';
import { naturalBatcher } from '../src';

describe('naturalBatcher tracing', () => {
  let tracing: TestTracing;
  beforeAll(() => {
    tracing = createTestTracing();
  });
  afterAll(async () => {
    await tracing.shutdown();
  });

  it("puts a span in each caller's trace and runs the batch in a span linked both ways", async () => {
    const tracer = trace.getTracer('test');
    let activeInBatch: string | undefined;
    const b = naturalBatcher(async (keys: readonly number[]) => {
      activeInBatch = trace.getActiveSpan()?.spanContext().spanId;
      return keys.map((k) => k * 2);
    }, { span: 'test.lookup' });
    const call = (name: string, key: number) => tracer.startActiveSpan(name, async (parent) => {
      try {
        return await b.load(key);
      } finally {
        parent.end();
      }
    });
    await expect(Promise.all([call('caller-a', 1), call('caller-b', 2)])).resolves.toEqual([2, 4]);

    const [batch] = tracing.spansNamed('test.lookup batch');
    const mine = tracing.spansNamed('test.lookup');
    const parents = ['caller-a', 'caller-b'].map((n) => tracing.spansNamed(n)[0]!);
    expect(batch).toBeDefined();
    expect(activeInBatch).toBe(batch!.spanContext().spanId);
    expect(batch!.attributes['notify.batch.size']).toBe(2);
    // One caller span in each caller's trace, child of the caller's own span.
    expect(mine.map((s) => s.spanContext().traceId).sort()).toEqual(parents.map((p) => p.spanContext().traceId).sort());
    for (const s of mine) {
      const parent = parents.find((p) => p.spanContext().traceId === s.spanContext().traceId)!;
      expect(s.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(s.links.map((l) => l.context.spanId)).toEqual([batch!.spanContext().spanId]);
    }
    // The batch is in the first caller's trace, under its span, and links to both callers' spans.
    const first = mine.find((s) => s.spanContext().spanId === batch!.parentSpanContext?.spanId);
    expect(first).toBeDefined();
    expect(batch!.spanContext().traceId).toBe(first!.spanContext().traceId);
    expect(batch!.links.map((l) => l.context.spanId).sort()).toEqual(mine.map((s) => s.spanContext().spanId).sort());
  });
});
