// A look inside a service process started with `--inspect=127.0.0.1:<port>`: its
// process.memoryUsage() and, without disturbing it, the heap V8 keeps live: a v8.GCProfiler runs in
// the process, and every read returns the used heap size right after each full (mark-sweep-compact)
// GC since the previous read. RSS alone cannot tell retained objects from the headroom V8 keeps
// between major GCs; the heap after a full GC can. Uses Node's global WebSocket.
import { sleep } from '../gateway/bench-support';

/** process.memoryUsage() of the probed process, MiB. */
export interface ProbedMemory {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** What one {@link InspectorProbe.read} found. */
export interface ProbeReading {
  readonly memory: ProbedMemory;
  /** Used heap (MiB) right after each full GC since the previous read, oldest first. */
  readonly afterFullGc: readonly number[];
}

/**
 * Evaluated in the probed process: stops the GCProfiler started by the previous read (collecting
 * the mark-sweep-compact GCs since), starts a new one, and returns memoryUsage() with them.
 */
const READ_EXPRESSION = `(() => {
  const g = globalThis.__benchProbe ??= {};
  let after = [];
  if (g.profiler) {
    const stats = g.profiler.stop()?.statistics ?? [];
    after = stats.filter((s) => s.gcType === 'MarkSweepCompact').map((s) => s.afterGC.heapStatistics.usedHeapSize);
  }
  g.profiler = new (process.getBuiltinModule('v8').GCProfiler)();
  g.profiler.start();
  return JSON.stringify({ m: process.memoryUsage(), after });
})()`;

const mib = (v: number): number => v / 1_048_576;

/** One inspector session (Chrome DevTools protocol over WebSocket). */
export class InspectorProbe {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (e: MessageEvent) => {
      const m = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const p = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id!);
      if (m.error) p.reject(new Error(`inspector: ${m.error.message}`));
      else p.resolve(m.result);
    });
    ws.addEventListener('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('inspector: session closed'));
      this.pending.clear();
    });
  }

  /** Connects to the first target of the inspector on 127.0.0.1:`port`, retrying until `timeoutMs`. */
  static async connect(port: number, timeoutMs: number): Promise<InspectorProbe> {
    const deadline = Date.now() + timeoutMs;
    let url: string | undefined;
    while (!url) {
      try {
        const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl?: string }>;
        url = list[0]?.webSocketDebuggerUrl;
      } catch {
        // not listening yet
      }
      if (!url) {
        if (Date.now() > deadline) throw new Error(`no inspector answered on 127.0.0.1:${port} within ${timeoutMs} ms`);
        await sleep(200);
      }
    }
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error(`could not open the inspector session ${url}`)), { once: true });
    });
    return new InspectorProbe(ws);
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** memoryUsage() now (MiB) and the used heap after each full GC since the previous read (the first read starts the GC profiler). */
  async read(): Promise<ProbeReading> {
    const r = (await this.call('Runtime.evaluate', { expression: READ_EXPRESSION, returnByValue: true })) as { result?: { value?: string } };
    const v = JSON.parse(r.result?.value ?? '{}') as { m?: Record<keyof ProbedMemory, number>; after?: number[] };
    const m = v.m ?? { rss: NaN, heapTotal: NaN, heapUsed: NaN, external: NaN, arrayBuffers: NaN };
    return {
      memory: { rss: mib(m.rss), heapTotal: mib(m.heapTotal), heapUsed: mib(m.heapUsed), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers) },
      afterFullGc: (v.after ?? []).map(mib),
    };
  }

  /** Ends the session (a process with a session attached waits for it to close before it exits). */
  close(): void {
    this.ws.close();
  }
}
