import {
  DUPLICATE_WINDOW_MS,
  EVENT_DOMAINS,
  durableName,
  eventConsumer,
  eventStreams,
  eventSubject,
  eventSubjects,
  parseEventSubject,
  streamName,
} from '../src';

describe('subjects', () => {
  it('are notify.<domain>.v1.<event> in production', () => {
    expect(eventSubject('ticket', 'created')).toBe('notify.ticket.v1.created');
    expect(eventSubject('customer', 'registered')).toBe('notify.customer.v1.registered');
    expect(eventSubject('schedule', 'sla_warning')).toBe('notify.schedule.v1.sla_warning');
    expect(eventSubject('delivery', 'failed')).toBe('notify.delivery.v1.failed');
  });

  it('lists every event of ARCHITECTURE.md by domain, and Notify\'s preferences_updated, opted_out and invoice_status_changed', () => {
    const all = eventSubjects();
    expect(Object.values(all.ticket).sort()).toEqual(
      ['assigned', 'cancelled', 'completed', 'created', 'escalated', 'started'].map((e) => `notify.ticket.v1.${e}`),
    );
    // ARCHITECTURE.md's registered and activated, the change of a recipient's preferences (the gateway
    // re-plans quiet hours), a phone's opt-out (the gateway withdraws what still waits for it) and an
    // invoice paid or voided (the gateway withdraws its waiting reminders, confirms a payment).
    expect(Object.keys(all.customer).sort()).toEqual(['activated', 'invoice_status_changed', 'opted_out', 'preferences_updated', 'registered']);
    expect(Object.keys(all.schedule).sort()).toEqual(['campaign_due', 'daily_summary', 'payment_reminder', 'sla_warning', 'weekly_performance']);
    expect(Object.keys(all.delivery).sort()).toEqual(['delivered', 'failed', 'queued', 'read', 'sent']);
  });

  it('take a namespace prefix', () => {
    expect(eventSubject('ticket', 'created', 't123')).toBe('t123.notify.ticket.v1.created');
    expect(eventSubjects('t123').delivery.read).toBe('t123.notify.delivery.v1.read');
  });

  it('reject unknown events and bad namespaces', () => {
    expect(() => eventSubject('ticket', 'exploded' as never)).toThrow(/unknown event ticket.exploded/);
    for (const ns of ['a.b', 'a b', '*', '>', 'x'.repeat(33)]) {
      expect(() => eventSubject('ticket', 'created', ns)).toThrow(TypeError);
    }
  });

  it('parse back, with and without namespace', () => {
    expect(parseEventSubject('notify.ticket.v1.escalated')).toEqual({ domain: 'ticket', name: 'escalated', key: 'ticket.escalated' });
    expect(parseEventSubject('t9.notify.schedule.v1.campaign_due')).toEqual({
      namespace: 't9',
      domain: 'schedule',
      name: 'campaign_due',
      key: 'schedule.campaign_due',
    });
    for (const s of ['notify.ticket.v1.exploded', 'notify.ticket.v2.created', 'notify.order.v1.created', 'a.b.notify.ticket.v1.created', '']) {
      expect(parseEventSubject(s)).toBeUndefined();
    }
  });
});

describe('streams', () => {
  it('are the four domain streams with their wildcard subjects and a 2 minute duplicate window', () => {
    const streams = eventStreams();
    expect(streams.map((s) => [s.name, s.subjects])).toEqual([
      ['TICKET_EVENTS', ['notify.ticket.v1.>']],
      ['CUSTOMER_EVENTS', ['notify.customer.v1.>']],
      ['SCHEDULE_EVENTS', ['notify.schedule.v1.>']],
      ['DELIVERY_EVENTS', ['notify.delivery.v1.>']],
    ]);
    for (const s of streams) {
      expect(s.duplicateWindowMs).toBe(120_000);
      expect(s.maxAgeMs).toBeGreaterThan(DUPLICATE_WINDOW_MS);
      // No size limit: JetStream would reserve it up front (see StreamDefinition.maxBytes).
      expect(s.maxBytes).toBeUndefined();
      expect(s.maxMsgSize).toBe(1024 * 1024);
    }
  });

  it('are prefixed by the namespace (upper-cased in the name)', () => {
    const streams = eventStreams('t123');
    expect(streams[0]).toMatchObject({ name: 'T123_TICKET_EVENTS', subjects: ['t123.notify.ticket.v1.>'] });
    expect(streamName('delivery', 't123')).toBe('T123_DELIVERY_EVENTS');
    // Namespaced and production names never overlap.
    const prod = new Set(eventStreams().flatMap((s) => [s.name, ...s.subjects]));
    for (const s of streams) for (const n of [s.name, ...s.subjects]) expect(prod.has(n)).toBe(false);
  });

  it('capture every event subject of their domain', () => {
    for (const domain of EVENT_DOMAINS) {
      const [wildcard] = eventStreams('ns1').find((s) => s.domain === domain)!.subjects;
      for (const subject of Object.values(eventSubjects('ns1')[domain])) {
        expect(subject.startsWith(wildcard!.slice(0, -1))).toBe(true);
      }
    }
  });
});

describe('durable consumers', () => {
  it('are named <consumer>-<domain> without dots', () => {
    expect(durableName('gateway', 'ticket')).toBe('gateway-ticket');
    expect(durableName('ticket', 'customer', 't123')).toBe('t123-ticket-customer');
    expect(durableName('gateway', 'schedule')).not.toContain('.');
    expect(() => durableName('gate.way', 'ticket')).toThrow(TypeError);
    expect(() => durableName('Gateway', 'ticket')).toThrow(TypeError);
  });

  it('filter the whole domain or the named events', () => {
    expect(eventConsumer('gateway', 'ticket')).toEqual({
      stream: 'TICKET_EVENTS',
      durable: 'gateway-ticket',
      filterSubjects: ['notify.ticket.v1.>'],
      maxDeliver: 10,
      ackWaitMs: 30_000,
    });
    expect(eventConsumer('ticket', 'customer', { events: ['registered'], ns: 't5', maxDeliver: 3 })).toEqual({
      stream: 'T5_CUSTOMER_EVENTS',
      durable: 't5-ticket-customer',
      filterSubjects: ['t5.notify.customer.v1.registered'],
      maxDeliver: 3,
      ackWaitMs: 30_000,
    });
  });
});
