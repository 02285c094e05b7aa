import { NotFoundError, TimeoutError, UnavailableError, ValidationError } from '@notify/errors';
import { ResolutionAbortedError, retryUntilDone } from '../../src/application';

const options = (signal: AbortSignal, retries: Array<[number, number]> = []) => ({
  signal,
  backoff: (n: number) => n, // ms: fast, and shows which failure it was
  onRetry: (_err: unknown, attempt: number, waitMs: number) => void retries.push([attempt, waitMs]),
});

describe('retryUntilDone (a Broadcast resolution failing on a dependency)', () => {
  it('retries transient failures with the backoff until the task succeeds', async () => {
    const failures = [new UnavailableError('customer service down'), new TimeoutError('ResolveRecipients'), new Error('connection reset')];
    let calls = 0;
    const retries: Array<[number, number]> = [];
    const out = await retryUntilDone(async () => {
      calls++;
      const next = failures.shift();
      if (next) throw next;
      return 'resolved';
    }, options(new AbortController().signal, retries));
    expect(out).toBe('resolved');
    expect(calls).toBe(4);
    expect(retries).toEqual([[1, 1], [2, 2], [3, 3]]);
  });

  it.each([new ValidationError('variables', 'missing start_at'), new NotFoundError('template', 'maintenance.notice')])(
    'does not retry bad input (%p): rethrown after one call',
    async (err) => {
      let calls = 0;
      await expect(retryUntilDone(async () => {
        calls++;
        throw err;
      }, options(new AbortController().signal))).rejects.toBe(err);
      expect(calls).toBe(1);
    },
  );

  it('stops at shutdown: an abort during the wait rejects with ResolutionAbortedError and starts no new attempt', async () => {
    const stop = new AbortController();
    let calls = 0;
    const running = retryUntilDone(async () => {
      calls++;
      throw new UnavailableError('template service down');
    }, { signal: stop.signal, backoff: () => 60_000, onRetry: () => setTimeout(() => stop.abort(), 10) });
    await expect(running).rejects.toBeInstanceOf(ResolutionAbortedError);
    expect(calls).toBe(1);
  });

  it('passes a ResolutionAbortedError of the task through without retrying', async () => {
    let calls = 0;
    await expect(retryUntilDone(async () => {
      calls++;
      throw new ResolutionAbortedError('paused');
    }, options(new AbortController().signal))).rejects.toBeInstanceOf(ResolutionAbortedError);
    expect(calls).toBe(1);
  });
});
