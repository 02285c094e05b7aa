// When a chain can call a provider again (ProviderChain.callableInMs) and its half-open events
// (onHalfOpen): what the dispatcher schedules a round that called no provider by, and what makes
// the held deliveries due for the breaker's trial call. Fake adapters, fake timers, no I/O.
import type { OutgoingMessage, SendOutcome } from '../../src/domain';
import { ProviderChain, ProviderConnectionError, type ProviderAdapter } from '../../src/infrastructure/providers';

describe('ProviderChain.callableInMs / onHalfOpen', () => {
  const msg: OutgoingMessage = { to: '6281300000001', text: 'halo' };
  /** What each provider answers next. */
  const answers: Record<string, 'down' | 'ok' | 'retry_after'> = {};
  const adapter = (name: string): ProviderAdapter => ({
    name,
    async send(): Promise<SendOutcome> {
      if (answers[name] === 'down') throw new ProviderConnectionError(name, 'ECONNREFUSED');
      if (answers[name] === 'retry_after') return { kind: 'failed', retryable: true, fault: 'provider', reason: 'HTTP 503', httpStatus: 503, retryAfterMs: 15_000 };
      return { kind: 'accepted', providerMessageId: 'm1' };
    },
  });
  let chain: ProviderChain;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-12-07T03:00:00.000Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    chain = new ProviderChain('whatsapp', [adapter('fonnte'), adapter('wablas')], { volumeThreshold: 1, errorThresholdPercentage: 40, resetTimeout: 10_000 });
  });
  afterEach(() => {
    chain.close();
    jest.useRealTimers();
  });

  it('0 while a provider can be called; else the first open breaker to half-open, or a longer Retry-After of that provider', async () => {
    const halfOpened: string[] = [];
    chain.onHalfOpen((p) => halfOpened.push(p));
    answers.fonnte = 'ok';
    answers.wablas = 'ok';
    expect(chain.callableInMs()).toBe(0);

    answers.fonnte = 'down';
    await chain.send(msg); // Fonnte refused (its breaker opens), Wablas took it
    expect(chain.callableInMs()).toBe(0);
    expect(chain.callableInMs('fonnte')).toBe(10_000);

    jest.advanceTimersByTime(3000);
    answers.wablas = 'retry_after';
    const res = await chain.send(msg); // Fonnte skipped (open); Wablas 503 Retry-After 15 s: its breaker opens too
    expect(res.attempts.map((a) => a.result)).toEqual(['breaker_open', 'failed_retryable']);
    expect(chain.callableInMs()).toBe(7000); // Fonnte half-opens first
    expect(chain.callableInMs('wablas')).toBe(15_000); // half-open in 10 s, but asked to wait 15 s
    expect(chain.callableInMs('nobody')).toBe(0);

    jest.advanceTimersByTime(4000);
    expect(chain.callableInMs()).toBe(3000);
    expect(halfOpened).toEqual([]);

    jest.advanceTimersByTime(3000);
    expect(halfOpened).toEqual(['fonnte']);
    expect(chain.providers().map((p) => p.state)).toEqual(['half-open', 'open']);
    expect(chain.callableInMs()).toBe(0);
    expect(chain.callableInMs('wablas')).toBe(8000);

    jest.advanceTimersByTime(3000); // Wablas half-opens; its Retry-After still holds it
    expect(halfOpened).toEqual(['fonnte', 'wablas']);
    expect(chain.callableInMs('wablas')).toBe(5000);
  });
});
