import { assertSchemaName, backoffMs, outboxChannel, qualifiedTable } from '../src';

describe('schema names', () => {
  it.each(['ticket', 'customer', 'gateway', 't_outbox_1a2b3c4d', '_x'])('accepts %s', (name) => {
    expect(assertSchemaName(name)).toBe(name);
  });

  it.each(['Ticket', '1ticket', 'ticket-service', 'a"b', '', 'x'.repeat(57)])('rejects %j', (name) => {
    expect(() => assertSchemaName(name)).toThrow(TypeError);
  });

  it('quotes tables and names the NOTIFY channel after the schema', () => {
    expect(qualifiedTable('ticket', 'outbox')).toBe('"ticket"."outbox"');
    expect(() => qualifiedTable('ticket', 'out box')).toThrow(TypeError);
    expect(outboxChannel('ticket')).toBe('ticket_outbox');
    expect(outboxChannel('x'.repeat(56)).length).toBeLessThanOrEqual(63);
  });
});

describe('backoffMs', () => {
  it('doubles per attempt between half and the full step, capped', () => {
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(3, 1000, 60_000, () => 1)).toBe(4000);
    expect(backoffMs(3, 1000, 60_000, () => 0)).toBe(2000);
    expect(backoffMs(20, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffMs(20, 1000, 60_000, () => 0)).toBe(30_000);
  });
});
