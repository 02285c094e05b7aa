import DataLoader from 'dataloader';
import { context as otelContext, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';

/**
 * The batch function of a {@link naturalBatcher}: the keys of one batch, in the order they were
 * asked for (a key asked twice is there twice), to one result per key in the same order. An
 * `Error` in the result rejects that key's `load` alone; a rejected promise (or a result of
 * another length) rejects every `load` of the batch.
 */
export type BatchFunction<K, V> = (keys: readonly K[]) => Promise<ReadonlyArray<V | Error>>;

/** Options of {@link naturalBatcher}. */
export interface NaturalBatchOptions {
  /** Most keys in one batch (default 256); more wait for the next one. */
  readonly maxBatchSize?: number;
  /** Batches running at once (default 1). While that many run, new keys gather for the next batch. */
  readonly maxConcurrentBatches?: number;
  /**
   * Trace the batching under this span name (e.g. `gateway.render_templates`): every `load` gets
   * an INTERNAL span `<name>` in its caller's trace, and each batch runs in a span
   * `<name> batch`, a child of its first caller's span, that links to every caller's span (and
   * each caller's span links back to it). So a caller whose request went out in another caller's
   * call still finds it: its trace holds its own span, whose link leads to the batch span and the
   * call under it. Off by default (the database batchers: their callers' traces do not need them).
   */
  readonly span?: string;
}

/** What a {@link naturalBatcher} did so far (tests, benchmarks). */
export interface NaturalBatcherStats {
  /** Batch function calls. */
  readonly batches: number;
  /** Keys handed to them. */
  readonly keys: number;
  /** The largest batch. */
  readonly largest: number;
}

/** A batching front of one batch function. */
export interface NaturalBatcher<K, V> {
  /** Resolves with the key's result, or rejects with its Error (or the whole batch's). */
  load(key: K): Promise<V>;
  stats(): NaturalBatcherStats;
}

/**
 * Natural batching ("group commit") over a DataLoader (graphql/dataloader 2, cache off):
 * concurrent `load`s share one call of `fn` without any added wait.
 *
 * - No batch running: the keys asked for until the event loop's next check phase (setImmediate:
 *   the callers woken by the same socket read, say) go together at once.
 * - `maxConcurrentBatches` running: new keys gather while they run and go as ONE batch when a
 *   slot frees up. Under load the batches grow by themselves to what arrives during one call of
 *   `fn`; at low load every key goes alone, as soon as it comes.
 *
 * So N concurrent callers cost about one round trip instead of N (one statement, one RPC), which
 * is what the services' hot paths need under load. Keys are not deduplicated and nothing is
 * cached: each `load` is its own request. The batch function runs in the trace context of the
 * first caller of its batch.
 */
export function naturalBatcher<K, V>(fn: BatchFunction<K, V>, options: NaturalBatchOptions = {}): NaturalBatcher<K, V> {
  const maxBatchSize = Math.max(1, Math.floor(options.maxBatchSize ?? 256));
  const maxConcurrent = Math.max(1, Math.floor(options.maxConcurrentBatches ?? 1));
  let running = 0;
  const waiting: Array<() => void> = [];
  let batches = 0;
  let keys = 0;
  let largest = 0;

  const release = (): void => {
    const next = waiting.shift();
    if (next) setImmediate(next); // the slot passes to the batch that gathered meanwhile
    else running -= 1;
  };

  const tracer = trace.getTracer('@notify/batching');
  const spanName = options.span;

  // Keys are wrapped: DataLoader refuses null and undefined keys, which are valid requests here;
  // with tracing, the wrapper also carries the caller's span.
  const loader = new DataLoader<{ readonly key: K; readonly span?: Span; readonly ctx?: Context }, V>(
    async (batch) => {
      batches += 1;
      keys += batch.length;
      largest = Math.max(largest, batch.length);
      try {
        if (!spanName) return await fn(batch.map((b) => b.key));
        const callers = batch.filter((b): b is typeof b & { span: Span; ctx: Context } => b.span !== undefined);
        return await tracer.startActiveSpan(
          `${spanName} batch`,
          { kind: SpanKind.INTERNAL, attributes: { 'notify.batch.size': batch.length }, links: callers.map((b) => ({ context: b.span.spanContext() })) },
          callers[0]?.ctx ?? otelContext.active(),
          async (span) => {
            for (const b of callers) b.span.addLink({ context: span.spanContext() });
            try {
              return await fn(batch.map((b) => b.key));
            } finally {
              span.end();
            }
          },
        );
      } finally {
        release();
      }
    },
    {
      cache: false,
      maxBatchSize,
      batchScheduleFn: (dispatch) => {
        if (running < maxConcurrent) {
          running += 1;
          setImmediate(dispatch);
        } else {
          waiting.push(dispatch);
        }
      },
    },
  );

  const load = async (key: K): Promise<V> => {
    if (!spanName) return loader.load({ key });
    const parent = otelContext.active();
    const span = tracer.startSpan(spanName, { kind: SpanKind.INTERNAL }, parent);
    try {
      return await loader.load({ key, span, ctx: trace.setSpan(parent, span) });
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  };

  return {
    load,
    stats: () => ({ batches, keys, largest }),
  };
}
