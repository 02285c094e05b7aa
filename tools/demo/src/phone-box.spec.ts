import { displayAddress, phoneBox, stepReport } from './phone-box';
import type { ScenarioMessage } from './scenario';

const message: ScenarioMessage = {
  provider: 'wablas',
  to: '6282291921583',
  recipient: { role: 'customer', name: 'Budi Santoso' },
  text: '🎫 *TIKET GANGGUAN DITERIMA*\n\nHalo Budi Santoso,',
  providerMessageId: 'abc-1',
  at: '2026-11-22T02:15:00.000Z',
  delivery: { id: '0f1e2d3c-0000-4000-8000-000000000000', status: 'SENT', templateKey: 'ticket.created.disturbance', failover: true, attemptCount: 1, traceId: '4bf92f3577b34da6a3ce929d0e0e4736' },
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
};

describe('phoneBox', () => {
  it('formats Indonesian numbers and leaves group ids alone', () => {
    expect(displayAddress('6282291921583')).toBe('+62 822-9192-1583');
    expect(displayAddress('120363000000000001@g.us')).toBe('120363000000000001@g.us');
  });

  it('shows channel, recipient, provider, every line of the text, the delivery (its full id, as `notifyctl deliveries show` takes it) and the trace id', () => {
    const lines = phoneBox(message).split('\n');
    expect(lines[0]).toMatch(/^┌─ WhatsApp to \+62 822-9192-1583 · Budi Santoso \(customer\) · via Wablas ─+$/);
    expect(lines.slice(1, 4)).toEqual(['│ 🎫 *TIKET GANGGUAN DITERIMA*', '│ ', '│ Halo Budi Santoso,']);
    expect(lines[4]).toMatch(/^└─ trace 4bf92f3577b34da6a3ce929d0e0e4736 · delivery 0f1e2d3c-0000-4000-8000-000000000000 SENT \(failover\) · ticket\.created\.disturbance ─+$/);
  });

  it('renders WhatsApp bold with ANSI only when colours are on', () => {
    expect(phoneBox(message, { color: true })).toContain('\x1b[1mTIKET GANGGUAN DITERIMA\x1b[22m');
    expect(phoneBox({ ...message, traceId: undefined, traceNote: 'started at the webhook', delivery: undefined })).toContain('trace n/a (started at the webhook) · provider id abc-1');
  });

  it('heads a group message with the group\'s name and its chat id; a chat id the story cannot name stays as it is', () => {
    const group: ScenarioMessage = { ...message, provider: 'fonnte', to: '120363000000000002@g.us', recipient: { role: 'group', name: 'Customer Service' } };
    expect(phoneBox(group).split('\n')[0]).toMatch(/^┌─ WhatsApp to group Customer Service \(120363000000000002@g\.us\) · via Fonnte ─+$/);
    const zone: ScenarioMessage = { ...group, to: '120363000000000101@g.us', recipient: { role: 'group', name: 'Teknisi Karawang', zone: 'karawang' } };
    expect(phoneBox(zone).split('\n')[0]).toMatch(/^┌─ WhatsApp to group Teknisi Karawang \(120363000000000101@g\.us\) · via Fonnte ─+$/);
    const unknown: ScenarioMessage = { ...group, recipient: undefined };
    expect(phoneBox(unknown).split('\n')[0]).toMatch(/^┌─ WhatsApp to 120363000000000002@g\.us · via Fonnte ─+$/);
  });

  it('reports a step with its notes and a skip reason', () => {
    const text = stepReport({ step: 6, title: 'SLA', messages: [], notes: ['ticket X'], skipped: 'no clock' });
    expect(text).toContain('Step 6. SLA\n  • ticket X\n  ! not shown: no clock\n  (no messages in this step)');
  });
});
