import { naturalBatcher } from '../src';

/** A batch function whose calls are recorded and finish only when the test says so. */
function controlled<V>(result: (key: number) => V | Error) {
  const calls: Array<{ keys: number[]; finish: () => void; fail: (err: Error) => void }> = [];
  const fn = (keys: readonly number[]) =>
    new Promise<Array<V | Error>>((resolve, reject) => {
      calls.push({ keys: [...keys], finish: () => resolve(keys.map(result)), fail: reject });
    });
  return { fn, calls };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('naturalBatcher', () => {
  it('sends the keys asked for together as one batch, results in key order', async () => {
    const { fn, calls } = controlled((k) => k * 10);
    const b = naturalBatcher(fn);
    const all = Promise.all([b.load(1), b.load(2), b.load(3)]);
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([[1, 2, 3]]);
    calls[0]!.finish();
    await expect(all).resolves.toEqual([10, 20, 30]);
    expect(b.stats()).toEqual({ batches: 1, keys: 3, largest: 3 });
  });

  it('gathers the keys asked for while a batch runs into the next one, sent when it finishes', async () => {
    const { fn, calls } = controlled((k) => k);
    const b = naturalBatcher(fn);
    const first = b.load(1);
    await tick();
    const later = [b.load(2), b.load(3)];
    await tick();
    const last = b.load(4);
    await tick();
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([[1]]); // still running: 2, 3, 4 wait
    calls[0]!.finish();
    await expect(first).resolves.toBe(1);
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([[1], [2, 3, 4]]);
    calls[1]!.finish();
    await expect(Promise.all([...later, last])).resolves.toEqual([2, 3, 4]);
  });

  it('keeps a key asked twice as two requests (no cache, no dedupe)', async () => {
    const { fn, calls } = controlled((k) => k);
    const b = naturalBatcher(fn);
    const both = Promise.all([b.load(7), b.load(7)]);
    await tick();
    expect(calls[0]!.keys).toEqual([7, 7]);
    calls[0]!.finish();
    await expect(both).resolves.toEqual([7, 7]);
  });

  it('takes null and undefined as keys', async () => {
    const b = naturalBatcher(async (keys: ReadonlyArray<number | null | undefined>) => keys.map((k) => String(k)));
    await expect(Promise.all([b.load(null), b.load(undefined), b.load(0)])).resolves.toEqual(['null', 'undefined', '0']);
  });

  it('rejects only the key whose result is an Error', async () => {
    const { fn, calls } = controlled((k) => (k === 2 ? new Error('two is bad') : k));
    const b = naturalBatcher(fn);
    const ps = [b.load(1), b.load(2), b.load(3)].map((p) => p.then((v) => ({ v }), (e: Error) => ({ e: e.message })));
    await tick();
    calls[0]!.finish();
    await expect(Promise.all(ps)).resolves.toEqual([{ v: 1 }, { e: 'two is bad' }, { v: 3 }]);
  });

  it('rejects every key of a failed batch and still runs the next one', async () => {
    const { fn, calls } = controlled((k) => k);
    const b = naturalBatcher(fn);
    const failed = Promise.allSettled([b.load(1), b.load(2)]);
    await tick();
    const next = b.load(3);
    await tick();
    calls[0]!.fail(new Error('database down'));
    const settled = await failed;
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : 'ok'))).toEqual(['database down', 'database down']);
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([[1, 2], [3]]);
    calls[1]!.finish();
    await expect(next).resolves.toBe(3);
  });

  it('splits at maxBatchSize', async () => {
    const { fn, calls } = controlled((k) => k);
    const b = naturalBatcher(fn, { maxBatchSize: 2, maxConcurrentBatches: 3 });
    const all = Promise.all([1, 2, 3, 4, 5].map((k) => b.load(k)));
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([[1, 2], [3, 4], [5]]);
    calls.forEach((c) => c.finish());
    await expect(all).resolves.toEqual([1, 2, 3, 4, 5]);
  });

  it('runs up to maxConcurrentBatches at once', async () => {
    const { fn, calls } = controlled((k) => k);
    const b = naturalBatcher(fn, { maxConcurrentBatches: 2 });
    const p1 = b.load(1);
    await tick();
    const p2 = b.load(2);
    await tick();
    const p3 = b.load(3);
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([[1], [2]]);
    calls[1]!.finish();
    await expect(p2).resolves.toBe(2);
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([[1], [2], [3]]);
    calls[0]!.finish();
    calls[2]!.finish();
    await expect(Promise.all([p1, p3])).resolves.toEqual([1, 3]);
  });
});
