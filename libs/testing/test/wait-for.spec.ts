import { uniqueName, waitFor } from '../src';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it('treats a throwing predicate as "not yet"', async () => {
    let calls = 0;
    await expect(
      waitFor(
        async () => {
          if (++calls < 3) throw new Error('not ready');
          return 'ok';
        },
        { intervalMs: 1 },
      ),
    ).resolves.toBe('ok');
  });

  it('times out with a message naming what was awaited and the last value or error', async () => {
    await expect(waitFor(() => 0, { timeoutMs: 30, intervalMs: 5, description: 'the row' })).rejects.toThrow(
      /waitFor timed out after \d+ ms \(\d+ attempts\) waiting for the row; last value: 0/,
    );
    await expect(
      waitFor(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 20, intervalMs: 5 },
      ),
    ).rejects.toThrow(/last error: connection refused/);
  });
});

describe('uniqueName', () => {
  it('is a lower-case identifier, distinct per call, usable as schema, subject token and stream name', () => {
    const a = uniqueName('Outbox Relay-Test');
    const b = uniqueName('Outbox Relay-Test');
    expect(a).toMatch(/^t_outbox_relay_test_[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(uniqueName('x'.repeat(100)).length).toBeLessThanOrEqual(40);
    expect(uniqueName('!!!')).toMatch(/^t_[0-9a-f]{8}$/);
  });
});
