import { InMemoryInboundDedupe } from '../../src/application/replies';

describe('InMemoryInboundDedupe', () => {
  it('claims a (provider, message id) once', async () => {
    const d = new InMemoryInboundDedupe();
    expect(await d.claim('fonnte', '42')).toBe(true);
    expect(await d.claim('fonnte', '42')).toBe(false);
    expect(await d.claim('fonnte', '42')).toBe(false);
  });

  it('keys by provider: the same id from another provider is another message', async () => {
    const d = new InMemoryInboundDedupe();
    expect(await d.claim('fonnte', '42')).toBe(true);
    expect(await d.claim('wablas', '42')).toBe(true);
  });

  it('forgets the least recently claimed pair beyond its capacity', async () => {
    const d = new InMemoryInboundDedupe(2);
    await d.claim('fonnte', 'a');
    await d.claim('fonnte', 'b');
    expect(await d.claim('fonnte', 'a')).toBe(false); // a is now the most recent
    await d.claim('fonnte', 'c'); // evicts b
    expect(d.size).toBe(2);
    expect(await d.claim('fonnte', 'a')).toBe(false);
    expect(await d.claim('fonnte', 'b')).toBe(true);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new InMemoryInboundDedupe(0)).toThrow(RangeError);
    expect(() => new InMemoryInboundDedupe(1.5)).toThrow(RangeError);
  });
});
