/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many ms (default 5 000 ms). */
  timeoutMs?: number;
  /** Pause between attempts in ms (default 25 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  description?: string;
}

/**
 * Polls `predicate` until it returns a truthy value and resolves with that value. A predicate
 * that throws counts as "not yet". After `timeoutMs` rejects with an Error naming the
 * description, the elapsed time, the attempts and the last value or error seen.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const intervalMs = options.intervalMs ?? 25;
  const started = Date.now();
  let attempts = 0;
  let last: { value?: unknown; error?: unknown } = {};
  for (;;) {
    attempts++;
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
      last = { value };
    } catch (error) {
      last = { error };
    }
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) {
      const seen =
        'error' in last && last.error !== undefined
          ? `last error: ${last.error instanceof Error ? last.error.message : String(last.error)}`
          : `last value: ${JSON.stringify(last.value)}`;
      throw new Error(`waitFor timed out after ${elapsed} ms (${attempts} attempts) waiting for ${options.description ?? 'a truthy value'}; ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, timeoutMs - elapsed))));
  }
}
