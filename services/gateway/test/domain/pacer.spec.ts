import { PacedAdapter, ProviderConnectionError, type ProviderAdapter } from '../../src/infrastructure/providers';

describe('PacedAdapter (per-provider pacing)', () => {
  const inner = (): ProviderAdapter & { at: number[] } => {
    const at: number[] = [];
    return { name: 'fonnte', at, send: async () => (at.push(performance.now()), { kind: 'accepted', providerMessageId: String(at.length) }) };
  };

  it('spaces requests at the configured rate', async () => {
    const a = inner();
    const paced = new PacedAdapter(a, 20); // one slot every 50 ms
    const t0 = performance.now();
    await Promise.all([0, 1, 2, 3].map(() => paced.send({ to: '6281', text: 'x' }, new AbortController().signal)));
    expect(a.at).toHaveLength(4);
    expect(a.at[3]! - t0).toBeGreaterThanOrEqual(145);
  });

  it('a caller signal firing while waiting for the slot is a definite failure (nothing sent)', async () => {
    const a = inner();
    const paced = new PacedAdapter(a, 1); // one slot per second
    await paced.send({ to: '6281', text: 'x' }, new AbortController().signal);
    await expect(paced.send({ to: '6281', text: 'y' }, AbortSignal.timeout(50))).rejects.toBeInstanceOf(ProviderConnectionError);
    expect(a.at).toHaveLength(1);
  });
});
