// The gateway's Notify / Broadcast / ListDeliveries contract at its edges, end to end (real
// Postgres, NATS, customer / template services and the provider simulators over HTTP):
//   - a bare phone addressee is resolved through the customer service, so its opt-outs apply;
//   - a Notify that fails (unknown id, a text that cannot be rendered on a later page) has
//     created no delivery and sent nothing;
//   - an unknown notification type, a crafted page token and a ListDeliveries ticket_id that
//     is not a UUID are INVALID_ARGUMENT;
//   - a Broadcast is checked up front as far as it can be without resolving its audience (bad
//     channels, priority, actor, an unknown template): INVALID_ARGUMENT and nothing stored, so
//     the key can be used again; an enum value out of range is INVALID_ARGUMENT naming the
//     field in every RPC (never a default, never ignored);
//   - two concurrent Notify calls with one idempotency key: the first notification for both,
//     the second with duplicate = true; a Notify that failed on a dependency, or that a crashed
//     call left RESOLVING long enough ago, is resumed by a retry at once (use case, real store);
//   - a key used again for a DIFFERENT Notify / Broadcast (variables, recipients, audiences,
//     caller) is ALREADY_EXISTS naming the key (a key stored without a fingerprint: duplicate);
//   - a key over 200 characters, a malformed notification_id, an unknown ticket id (NOT_FOUND)
//     and a ListDeliveries page token used with other filters are refused.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AlreadyExistsError, NotFoundError, UnavailableError, ValidationError } from '@notify/errors';
import { callUnary, createClient } from '@notify/grpc-kit';
import { encodePageToken } from '@notify/paging';
import { commonv1, customerv1, gatewayv1, templatev1, ticketv1 } from '@notify/proto';
import { callUnaryRaw, expectInvalidArgument, messageField, timestampBytes, waitFor } from '@notify/testing';
import {
  IngestNotificationUseCase, type IngestRequest, type RecipientDirectory, type RenderJob, type RenderOutcome, type ResolvedRecipient, type TemplateRenderer,
} from '../../src/application';
import { ADMIN_KEY, SERVICE_KEY, startStack, type Stack } from '../support/gateway-stack';

jest.setTimeout(60_000);

const NT = commonv1.NotificationType;
let seq = Math.floor(Math.random() * 1_000_000);
const freshPhone = () => {
  const n = String(10_000_000 + (++seq % 89_999_999)).padStart(8, '0');
  return { local: `0817${n}`, e164: `62817${n}` };
};
type Addressee = gatewayv1.Addressee['addressee'];
const phone = (value: string): Addressee => ({ $case: 'phone', value });
const customer = (value: string): Addressee => ({ $case: 'customerId', value });

describe('gateway: Notify / Broadcast / ListDeliveries contract', () => {
  let stack: Stack;

  beforeAll(async () => {
    // One recipient per ResolveRecipients page: a Notify to two recipients is two pages.
    stack = await startStack('gw_napi', { RECIPIENT_RATE_LIMIT: '0', RESOLVE_PAGE_SIZE: '1' });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const welcome = (marker: string) => ({ customer_name: 'Siti', customer_id: marker, package_name: 'Home 50 Mbps', activated_at: '2026-11-22T09:00:00+07:00', support_phone: '6281100000000' });
  const notify = (addressees: Addressee[], extra: Partial<gatewayv1.NotifyRequest> = {}) =>
    callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `napi:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_WELCOME,
      target: { $case: 'recipients', value: { addressees: addressees.map((addressee) => ({ addressee })) } },
      ...extra,
    }));
  /** What the Fonnte simulator accepted for `to` (its WELCOME texts carry `marker` as the customer id). */
  const fonnteTo = (to: string, marker = '') => stack.sims.fonnte.messages().filter((m) => m.to === to && m.text.includes(marker));
  /** The WELCOME deliveries stored for `to` (registering a customer also sends it a REGISTRATION_CONFIRMATION). */
  const rowsTo = (to: string) => stack.gateway.store.list({ recipient: to, notificationType: 'WELCOME' }, 10);
  /** Sends a control message to a fresh phone and waits until the simulator has it (the dispatcher has drained what came before). */
  const drain = async () => {
    const q = freshPhone();
    await notify([phone(q.local)], { variables: welcome('drain') });
    await waitFor(() => fonnteTo(q.e164).length === 1, { timeoutMs: 20_000 });
  };
  /** A ticket of a freshly registered customer; its id. */
  const createTicket = async (): Promise<string> => {
    const c = await register('Tiket Pelanggan');
    return (await callUnary(stack.ticketClient, 'createTicket', ticketv1.CreateTicketRequest.fromPartial({
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, customerId: c.id, description: 'Internet mati', address: 'Jl. Kenanga 7',
      workZone: 'karawang', priority: commonv1.Priority.PRIORITY_NORMAL, requestId: randomUUID(),
    }))).ticket!.id;
  };
  const register = async (name: string) => {
    const p = freshPhone();
    const c = (await callUnary(stack.customerClient, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
      name, phone: p.local, address: 'Jl. Kenanga 7', workZone: 'karawang', packageName: 'Home 50 Mbps',
    }))).customer!;
    return { id: c.id, e164: p.e164 };
  };

  it('a bare phone that opted out of WhatsApp is left out (counted in left_out); another phone is sent to', async () => {
    const out = freshPhone();
    const ok = freshPhone();
    await callUnary(stack.customerClient, 'optOut', customerv1.OptOutRequest.fromPartial({ phone: out.local, channel: commonv1.Channel.CHANNEL_WHATSAPP, reason: 'STOP' }));
    const res = await notify([phone(out.local), phone(`+${ok.e164}`)], { variables: welcome('opt-out') });
    expect(res.deliveries.map((d) => d.recipient)).toEqual([ok.e164]);
    expect(res.notification).toMatchObject({ status: gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVED, deliveriesCreated: 1, leftOut: 1 });
    // Who was left out and why, kept with the notification (GetNotification shows it again).
    const named = [{ kind: commonv1.RecipientKind.RECIPIENT_KIND_PHONE, id: '', address: out.e164, name: '', reason: 'opted out of WHATSAPP', channel: commonv1.Channel.CHANNEL_WHATSAPP }];
    expect(res.notification!.leftOutRecipients).toEqual(named);
    const got = await callUnary(stack.gatewayClient, 'getNotification', { notificationId: res.notification!.id, idempotencyKey: '' });
    expect(got.notification!.leftOutRecipients).toEqual(named);
    // A registered customer left out is named.
    const budi = await register('Budi Tidak Mau');
    await callUnary(stack.customerClient, 'optOut', customerv1.OptOutRequest.fromPartial({ phone: `+${budi.e164}`, channel: commonv1.Channel.CHANNEL_WHATSAPP }));
    const toBudi = await notify([customer(budi.id)], { variables: welcome('opt-out-named') });
    expect(toBudi.notification).toMatchObject({ deliveriesCreated: 0, leftOut: 1 });
    expect(toBudi.notification!.leftOutRecipients).toEqual([
      { kind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, id: budi.id, address: '', name: 'Budi Tidak Mau', reason: 'opted out of WHATSAPP', channel: commonv1.Channel.CHANNEL_WHATSAPP },
    ]);
    await waitFor(() => fonnteTo(ok.e164).length === 1, { timeoutMs: 20_000 });
    expect(await rowsTo(out.e164)).toHaveLength(0);
    expect(fonnteTo(out.e164)).toHaveLength(0);
    // Opt-outs are per channel: a phone opted out of SMS only still gets the WhatsApp message.
    const smsOnly = freshPhone();
    await callUnary(stack.customerClient, 'optOut', customerv1.OptOutRequest.fromPartial({ phone: smsOnly.local, channel: commonv1.Channel.CHANNEL_SMS }));
    const wa = await notify([phone(smsOnly.local)], { variables: welcome('opt-out-sms') });
    expect(wa.deliveries.map((d) => [d.recipient, d.channel])).toEqual([[smsOnly.e164, commonv1.Channel.CHANNEL_WHATSAPP]]);
    expect(wa.notification!.leftOut).toBe(0);
  });

  it('a Notify to a phone outside Indonesia (+254 …) is taken and sent to its E.164 digits (the gateway hands the customer service the number with its +)', async () => {
    const kenya = `2547987${String(seq++ % 100_000).padStart(5, '0')}`;
    const spaced = `+${kenya.slice(0, 3)} ${kenya.slice(3, 6)} ${kenya.slice(6)}`;
    const res = await notify([phone(spaced)], { variables: welcome('kenya') });
    expect(res.deliveries.map((d) => d.recipient)).toEqual([kenya]);
    await waitFor(() => fonnteTo(kenya, 'kenya').length === 1, { timeoutMs: 20_000 });
  });

  it('a Notify to +65 9… (Singapore; its digits alone would also be an Indonesian number, 0659…) reaches exactly that number', async () => {
    const singapore = `659${String(1_000_000 + (seq++ % 100_000)).slice(1).padStart(7, '0')}`;
    const res = await notify([phone(`+${singapore}`)], { variables: welcome('singapore') });
    expect(res.deliveries.map((d) => d.recipient)).toEqual([singapore]);
    await waitFor(() => fonnteTo(singapore, 'singapore').length === 1, { timeoutMs: 20_000 });
  });

  it('a Notify to a phone and an unknown customer id is NOT_FOUND and sends nothing to the phone', async () => {
    const p = freshPhone();
    const err = await notify([phone(p.local), customer(randomUUID())], { variables: welcome('not-found') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(/customer .* not found/);
    await drain();
    expect(await rowsTo(p.e164)).toHaveLength(0);
    expect(fonnteTo(p.e164)).toHaveLength(0);
    // An id that is not a UUID is INVALID_ARGUMENT naming the addressee, and leaves nothing under the key (QA: NOT_FOUND).
    for (const [addressee, field] of [
      [customer('abc'), 'recipients[1].customer_id'], [{ $case: 'staffId', value: 'tech-1' }, 'recipients[1].staff_id'], [{ $case: 'groupId', value: 'x' }, 'recipients[1].group_id'],
    ] as const) {
      const key = `napi:${randomUUID()}`;
      const bad = await notify([phone(p.local), addressee as Addressee], { idempotencyKey: key, variables: welcome('not-uuid') }).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(ValidationError);
      expect((bad as Error).message).toContain(`${field}: must be a UUID`);
      await expect(callUnary(stack.gatewayClient, 'getNotification', { notificationId: '', idempotencyKey: key })).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it('a Notify whose later page cannot be rendered (strict) fails and has created nothing for the earlier page', async () => {
    // customer.welcome needs customer_name: a customer gets their own, a bare phone has none.
    const c = await register('Rina Lestari');
    const p = freshPhone();
    const vars = welcome('render');
    delete (vars as Partial<typeof vars>).customer_name;
    const key = `napi:${randomUUID()}`;
    const err = await notify([customer(c.id), phone(p.local)], { idempotencyKey: key, variables: vars }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toContain('customer_name');
    await drain();
    for (const to of [c.e164, p.e164]) {
      expect(await rowsTo(to)).toHaveLength(0);
      expect(fonnteTo(to, 'render')).toHaveLength(0);
    }
    // A corrected retry with the same key sends each once; two different corrections at once:
    // one takes the key over, the other is refused (ALREADY_EXISTS), nothing is sent for it.
    const q = freshPhone();
    const [retry, rival] = await Promise.all([
      notify([customer(c.id), phone(p.local)], { idempotencyKey: key, variables: welcome('render') }).catch((e: unknown) => e),
      notify([phone(q.local)], { idempotencyKey: key, variables: welcome('render') }).catch((e: unknown) => e),
    ]);
    const outcomes = [retry, rival].map((r) => (r instanceof Error ? r.constructor.name : 'ok'));
    expect(outcomes.sort()).toEqual(['AlreadyExistsError', 'ok']);
    await drain();
    const won = [retry, rival].find((r) => !(r instanceof Error)) as Awaited<ReturnType<typeof notify>>;
    expect(won.duplicate).toBe(false);
    const sentTo = [...(await rowsTo(c.e164)), ...(await rowsTo(p.e164)), ...(await rowsTo(q.e164))].map((d) => d.recipient).sort();
    expect(sentTo).toEqual(won.deliveries.map((d) => d.recipient).sort());
  });

  it.each([
    ['an unknown notification type', 999 as commonv1.NotificationType],
    ['REPLY (the gateway\'s own answers to inbound messages)', NT.NOTIFICATION_TYPE_REPLY],
  ])('%s is INVALID_ARGUMENT naming notification_type (Notify and Broadcast)', async (_what, bad) => {
    const p = freshPhone();
    const err = await notify([phone(p.local)], { notificationType: bad, templateKey: 'customer.welcome', variables: welcome('type') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/^notification_type: /);
    const b = await callUnary(stack.gatewayClient, 'broadcast', gatewayv1.BroadcastRequest.fromPartial({
      idempotencyKey: `napi:${randomUUID()}`, notificationType: bad,
      audiences: [commonv1.Audience.fromPartial({ kind: commonv1.AudienceKind.AUDIENCE_KIND_STAFF_ROLES, roles: [commonv1.Role.ROLE_ADMIN] })],
    })).catch((e: unknown) => e);
    expect(b).toBeInstanceOf(ValidationError);
    expect((b as ValidationError).message).toMatch(/^notification_type: /);
    expect(await rowsTo(p.e164)).toHaveLength(0);
  });

  describe('bad input is refused at once, naming the field', () => {
    const AK = commonv1.AudienceKind;
    const phoneAudience = commonv1.Audience.fromPartial({ kind: AK.AUDIENCE_KIND_PHONE, phone: '081355550001' });
    const broadcast = (extra: Partial<gatewayv1.BroadcastRequest>) =>
      callUnary(stack.gatewayClient, 'broadcast', gatewayv1.BroadcastRequest.fromPartial({
        idempotencyKey: `napi:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_MAINTENANCE, audiences: [phoneAudience],
        // customer_name too: a bare phone is no customer, so the gateway fills in no name for it.
        variables: { customer_name: 'Pelanggan', maintenance_type: 'Pemeliharaan', area: 'Karawang', start_at: '2026-11-23T01:00:00+07:00', duration_minutes: 60, impact: 'Internet mati', reason: 'ODP' },
        ...extra,
      }));
    const refused = async (call: Promise<unknown>, field: string) => {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: `));
    };

    it('a google.protobuf.Timestamp outside its spec: ListDeliveries / ListNotifications / GetStats INVALID_ARGUMENT naming the field (QA: INTERNAL, or accepted)', async () => {
      const RANGE = 'must be a timestamp between 0001-01-01 and 9999-12-31';
      const rpc = (name: string) => `/notify.gateway.v1.NotificationService/${name}`;
      const deliveries = (bytes: Uint8Array) => callUnaryRaw(stack.gatewayClient, rpc('ListDeliveries'), bytes, gatewayv1.ListDeliveriesResponse.decode);
      const notifications = (bytes: Uint8Array) => callUnaryRaw(stack.gatewayClient, rpc('ListNotifications'), bytes, gatewayv1.ListNotificationsResponse.decode);
      const stats = (bytes: Uint8Array) => callUnaryRaw(stack.gatewayClient, rpc('GetStats'), bytes, gatewayv1.GetStatsResponse.decode);
      // ListDeliveries created = 9, ListNotifications created = 1 (TimeRange from = 1, to = 2), GetStats since = 1.
      await expectInvalidArgument(deliveries(messageField(9, messageField(2, timestampBytes('99999999999999')))), 'created.to', `${RANGE}, got seconds 99999999999999`);
      await expectInvalidArgument(notifications(messageField(1, messageField(1, timestampBytes('-99999999999999')))), 'created.from', `${RANGE}, got seconds -99999999999999`);
      await expectInvalidArgument(stats(messageField(1, timestampBytes('-99999999999999'))), 'since', `${RANGE}, got seconds -99999999999999`);
      await expectInvalidArgument(stats(messageField(1, timestampBytes('-62135596801'))), 'since', `${RANGE}, got seconds -62135596801`);
      await expectInvalidArgument(deliveries(messageField(9, messageField(1, timestampBytes('1777618800', 2_000_000_000)))), 'created.from', 'nanos must be 0 to 999999999, got 2000000000');
      await expectInvalidArgument(stats(messageField(1, timestampBytes('1777618800', -5))), 'since', 'nanos must be 0 to 999999999, got -5');
      await expect(stats(messageField(1, timestampBytes('-62135596800')))).resolves.toBeDefined();
    });

    it('created.from not before created.to: ListDeliveries / ListNotifications INVALID_ARGUMENT as ListTickets (was an empty OK)', async () => {
      const from = new Date('2026-05-02T00:00:00Z');
      const created = { from, to: new Date(from.getTime() - 1000) };
      await expectInvalidArgument(callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ created })), 'created.to', 'must be after created.from');
      await expectInvalidArgument(callUnary(stack.gatewayClient, 'listNotifications', gatewayv1.ListNotificationsRequest.fromPartial({ created })), 'created.to', 'must be after created.from');
      await expectInvalidArgument(callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ created: { from, to: from } })), 'created.to', 'must be after created.from');
    });

    it('Broadcast{channels:[99]} is INVALID_ARGUMENT naming channels[0], stores nothing, and its key still works', async () => {
      const key = `napi:${randomUUID()}`;
      await refused(broadcast({ idempotencyKey: key, channels: [99 as commonv1.Channel] }), 'channels[0]');
      expect(await stack.gateway.store.notificationByKey(key)).toBeNull();
      const ok = await broadcast({ idempotencyKey: key, channels: [commonv1.Channel.CHANNEL_WHATSAPP] });
      expect(ok).toMatchObject({ duplicate: false, notification: { status: gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVING } });
    });

    it('Broadcast: priority, channel, actor, audience kind and an unknown template are refused before anything is stored', async () => {
      const cases: Array<[Partial<gatewayv1.BroadcastRequest>, string]> = [
        [{ priority: 99 as commonv1.Priority }, 'priority'],
        [{ channels: [commonv1.Channel.CHANNEL_WHATSAPP, commonv1.Channel.CHANNEL_UNSPECIFIED] }, 'channels[1]'],
        [{ actor: commonv1.Actor.fromPartial({ kind: commonv1.ActorKind.ACTOR_KIND_SERVICE, role: 99 as commonv1.Role }) }, 'actor.role'],
        [{ actor: commonv1.Actor.fromPartial({ kind: 42 as commonv1.ActorKind }) }, 'actor.kind'],
        [{ audiences: [phoneAudience, commonv1.Audience.fromPartial({ kind: 99 as commonv1.AudienceKind })] }, 'audiences[1].kind'],
        [{ audiences: [commonv1.Audience.fromPartial({ kind: AK.AUDIENCE_KIND_PHONE, phone: '12' })] }, 'audiences[0].phone'],
        [{ templateKey: `no.such.template.${randomUUID().slice(0, 8)}` }, 'template_key'],
      ];
      for (const [extra, field] of cases) {
        const key = `napi:${randomUUID()}`;
        await refused(broadcast({ ...extra, idempotencyKey: key }), field);
        expect(await stack.gateway.store.notificationByKey(key)).toBeNull();
      }
    });

    it('Broadcast of a template that has no version on the requested channels is INVALID_ARGUMENT naming channels', async () => {
      const templates = createClient(templatev1.TemplateServiceClient, `127.0.0.1:${stack.template.grpc.port}`, { apiKey: ADMIN_KEY });
      try {
        const key = `test.whatsapp_only_${randomUUID().slice(0, 8).replace(/-/g, '')}`;
        await callUnary(templates, 'upsertTemplate', templatev1.UpsertTemplateRequest.fromPartial({
          key, channel: commonv1.Channel.CHANNEL_WHATSAPP, locale: commonv1.Locale.LOCALE_ID, body: 'Halo {{ area }}', description: 'test', sampleVariables: { area: 'Karawang' },
        }));
        const smsKey = `napi:${randomUUID()}`;
        await refused(broadcast({ idempotencyKey: smsKey, templateKey: key, channels: [commonv1.Channel.CHANNEL_SMS] }), 'channels');
        expect(await stack.gateway.store.notificationByKey(smsKey)).toBeNull();
        // On WhatsApp (the default channel) it is accepted.
        expect((await broadcast({ templateKey: key })).duplicate).toBe(false);
      } finally {
        (templates as unknown as { close(): void }).close();
      }
    });

    it('a retry of an accepted Broadcast whose template was withdrawn since answers duplicate = true, not INVALID_ARGUMENT', async () => {
      const templates = createClient(templatev1.TemplateServiceClient, `127.0.0.1:${stack.template.grpc.port}`, { apiKey: ADMIN_KEY });
      const pg = new Client({ connectionString: stack.schemas[1]!.url });
      await pg.connect();
      try {
        const key = `test.withdrawn_${randomUUID().slice(0, 8).replace(/-/g, '')}`;
        await callUnary(templates, 'upsertTemplate', templatev1.UpsertTemplateRequest.fromPartial({
          key, channel: commonv1.Channel.CHANNEL_WHATSAPP, locale: commonv1.Locale.LOCALE_ID, body: 'Halo {{ area }}', description: 'test', sampleVariables: { area: 'Karawang' },
        }));
        const idempotencyKey = `napi:${randomUUID()}`;
        const first = await broadcast({ idempotencyKey, templateKey: key });
        expect(first.duplicate).toBe(false);
        // The template goes away in the template service.
        const ts = stack.schemas[1]!.schema;
        await pg.query(`DELETE FROM "${ts}".template_versions WHERE key = $1`, [key]);
        await pg.query(`DELETE FROM "${ts}".template_heads WHERE key = $1`, [key]);
        // A new Broadcast with it is refused; the retry of the accepted one gets its answer.
        await refused(broadcast({ templateKey: key }), 'template_key');
        expect(await broadcast({ idempotencyKey, templateKey: key })).toMatchObject({ duplicate: true, notification: { id: first.notification!.id } });
        // The same key with a different request is still ALREADY_EXISTS.
        const err = await broadcast({ idempotencyKey, templateKey: key, priority: commonv1.Priority.PRIORITY_HIGH }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AlreadyExistsError);
      } finally {
        await pg.end();
        (templates as unknown as { close(): void }).close();
      }
    });

    it('Notify to a landline and a Broadcast to a toll-free phone audience are INVALID_ARGUMENT naming the field and the type; nothing is stored', async () => {
      const key = `napi:${randomUUID()}`;
      const landline = await notify([phone('021 5551234')], { idempotencyKey: key, variables: welcome('landline') }).catch((e: unknown) => e);
      expect((landline as ValidationError).message).toBe('recipients[0].phone: "021 5551234" is a landline (+62 21 5551234): WhatsApp and SMS need a mobile number');
      expect(await stack.gateway.store.notificationByKey(key)).toBeNull();
      const tollFree = commonv1.Audience.fromPartial({ kind: AK.AUDIENCE_KIND_PHONE, phone: '08001234567' });
      await refused(broadcast({ idempotencyKey: key, audiences: [tollFree] }), 'audiences[0].phone');
    });

    it('Notify: priority 99 and channel 99 are INVALID_ARGUMENT naming the field; nothing is stored', async () => {
      for (const [extra, field] of [
        [{ priority: 99 as commonv1.Priority }, 'priority'],
        [{ channels: [99 as commonv1.Channel] }, 'channels[0]'],
      ] as Array<[Partial<gatewayv1.NotifyRequest>, string]>) {
        const key = `napi:${randomUUID()}`;
        await refused(notify([phone(freshPhone().local)], { ...extra, idempotencyKey: key, variables: welcome('enum') }), field);
        expect(await stack.gateway.store.notificationByKey(key)).toBeNull();
      }
    });

    it('ListDeliveries filters, WatchDeliveries types and RetryDelivery actor out of range are INVALID_ARGUMENT naming the field', async () => {
      const list = (req: Partial<gatewayv1.ListDeliveriesRequest>) => callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial(req));
      await refused(list({ status: 99 as gatewayv1.DeliveryStatus }), 'status');
      await refused(list({ channel: 99 as commonv1.Channel }), 'channel');
      await refused(list({ provider: 99 as gatewayv1.Provider }), 'provider');
      await refused(list({ notificationType: 99 as commonv1.NotificationType }), 'notification_type');
      await refused(list({ statuses: [99 as gatewayv1.DeliveryStatus] }), 'statuses[0]');
      await refused(list({ statuses: [gatewayv1.DeliveryStatus.DELIVERY_STATUS_DEAD, gatewayv1.DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED] }), 'statuses[1]');
      // Known values still filter.
      expect(Array.isArray((await list({ status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_SENT, channel: commonv1.Channel.CHANNEL_SMS })).deliveries)).toBe(true);

      const stream = stack.gatewayClient.watchDeliveries(gatewayv1.WatchDeliveriesRequest.fromPartial({
        types: [gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_SENT, 99 as gatewayv1.DeliveryEventType],
      }));
      const err = await new Promise<Error & { code?: number }>((resolve) => {
        stream.on('error', resolve);
        stream.on('data', () => undefined);
      });
      expect(err.code).toBe(3); // INVALID_ARGUMENT
      expect(err.message).toMatch(/types\[1\]: /);

      await refused(callUnary(stack.gatewayClient, 'retryDelivery', gatewayv1.RetryDeliveryRequest.fromPartial({
        deliveryId: randomUUID(), actor: commonv1.Actor.fromPartial({ kind: 99 as commonv1.ActorKind }),
      })), 'actor.kind');
      // A delivery id that is no UUID is the caller's mistake, not an unknown delivery (QA: `retry abc` said NOT_FOUND).
      await refused(callUnary(stack.gatewayClient, 'retryDelivery', gatewayv1.RetryDeliveryRequest.fromPartial({ deliveryId: 'abc' })), 'delivery_id');
      await refused(callUnary(stack.gatewayClient, 'getDelivery', gatewayv1.GetDeliveryRequest.fromPartial({ deliveryId: 'abc' })), 'delivery_id');
      await expect(callUnary(stack.gatewayClient, 'getDelivery', gatewayv1.GetDeliveryRequest.fromPartial({ deliveryId: randomUUID() }))).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  it('ListDeliveries with several statuses matches any of them (status and statuses together too)', async () => {
    const [a, b] = [freshPhone(), freshPhone()];
    const res = await notify([phone(a.local), phone(b.local)], { variables: welcome('statuses') });
    const notificationId = res.notification!.id;
    await waitFor(() => fonnteTo(a.e164, 'statuses').length === 1 && fonnteTo(b.e164, 'statuses').length === 1, { timeoutMs: 20_000 });
    const S = gatewayv1.DeliveryStatus;
    const count = async (req: Partial<gatewayv1.ListDeliveriesRequest>) =>
      (await callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ notificationId, ...req }))).deliveries.length;
    const sentOrLater = [S.DELIVERY_STATUS_SENT, S.DELIVERY_STATUS_DELIVERED, S.DELIVERY_STATUS_READ];
    await waitFor(async () => (await count({ statuses: sentOrLater })) === 2, { timeoutMs: 20_000, description: 'both sent' });
    expect(await count({ statuses: [S.DELIVERY_STATUS_FAILED, S.DELIVERY_STATUS_DEAD] })).toBe(0);
    expect(await count({ status: S.DELIVERY_STATUS_QUEUED, statuses: sentOrLater })).toBe(2);
    expect(await count({})).toBe(2);
  });

  it('ListDeliveries: a page token that decodes but holds a bad date or a non-UUID id is INVALID_ARGUMENT', async () => {
    const list = (pageToken: string) =>
      callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ page: { pageSize: 5, pageToken } }));
    for (const token of [
      encodePageToken({ c: 'not a date', i: randomUUID() }),
      encodePageToken({ c: new Date().toISOString(), i: 'not-a-uuid' }),
      encodePageToken({ c: '2026-13-45T99:99:99Z', i: randomUUID() }),
    ]) {
      const err = await list(token).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(/^page_token: /);
    }
    // A well-formed token issued for these (no) filters still pages.
    const ok = await list(encodePageToken({ c: new Date().toISOString(), i: randomUUID() }, {}));
    expect(Array.isArray(ok.deliveries)).toBe(true);
  });

  it('ListDeliveries: a page token is bound to the filters it was issued for; a malformed notification_id is INVALID_ARGUMENT', async () => {
    const a = freshPhone();
    const b = freshPhone();
    const res = await notify([phone(a.local), phone(b.local)], { variables: welcome('token-filters') });
    const list = (req: Omit<Partial<gatewayv1.ListDeliveriesRequest>, 'page'> & { page?: Partial<commonv1.PageRequest> }) => callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial(req));
    const byNotification = { notificationId: res.notification!.id };
    const first = await list({ ...byNotification, page: { pageSize: 1 } });
    expect(first.nextPageToken).not.toBe('');
    const second = await list({ ...byNotification, notificationId: res.notification!.id.toUpperCase(), page: { pageSize: 1, pageToken: first.nextPageToken } });
    expect([...first.deliveries, ...second.deliveries].map((d) => d.id).sort()).toEqual(res.deliveries.map((d) => d.id).sort());
    for (const other of [{}, { recipient: a.e164 }, { ...byNotification, status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_SENT }]) {
      const err = await list({ ...other, page: { pageSize: 1, pageToken: first.nextPageToken } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(/^page_token: was issued for different filters/);
    }
    for (const notificationId of ['nope', `${randomUUID()}x`, 'GGN-20261207-0003']) {
      const err = await list({ notificationId }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toBe('notification_id: must be a UUID');
    }
  });

  it('ListNotifications: newest first; --incomplete finds one that reached nobody and one that left someone out, not a complete one; filters and bad input', async () => {
    const from = new Date(Date.now() - 1000);
    const out = freshPhone();
    await callUnary(stack.customerClient, 'optOut', customerv1.OptOutRequest.fromPartial({ phone: out.local, channel: commonv1.Channel.CHANNEL_WHATSAPP, reason: 'STOP' }));
    const partial = await notify([phone(out.local), phone(freshPhone().local)], { variables: welcome('list-partial') });
    const complete = await notify([phone(freshPhone().local)], { variables: welcome('list-complete') });
    // A broadcast to an area with no active customer reaches nobody.
    const nobody = await callUnary(stack.gatewayClient, 'broadcast', gatewayv1.BroadcastRequest.fromPartial({
      idempotencyKey: `empty:${randomUUID()}`, notificationType: NT.NOTIFICATION_TYPE_MAINTENANCE,
      audiences: [commonv1.Audience.fromPartial({ kind: commonv1.AudienceKind.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: `kosong${Math.floor(Math.random() * 1e6)}` })],
      variables: { maintenance_type: 'Perbaikan', area: 'Kosong', start_at: '2026-12-08T01:00:00+07:00', duration_minutes: 30, impact: 'Lambat', reason: 'Tiang' },
    }));
    await waitFor(async () => (await stack.gateway.store.notification(nobody.notification!.id))?.status === 'RESOLVED' || undefined, { timeoutMs: 15_000 });
    const refused = async (call: Promise<unknown>, field: string) => {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toMatch(new RegExp(`^${field}: `));
    };
    const list = (req: Partial<gatewayv1.ListNotificationsRequest>) =>
      callUnary(stack.gatewayClient, 'listNotifications', gatewayv1.ListNotificationsRequest.fromPartial({ created: { from }, ...req }));
    // Other tests of this file make notifications too: only these three are looked at.
    const mine = new Set([partial, complete, nobody].map((r) => r.notification!.id));
    const ours = (r: gatewayv1.ListNotificationsResponse) => r.notifications.filter((n) => mine.has(n.id));
    expect(ours(await list({})).map((n) => n.id)).toEqual([nobody.notification!.id, complete.notification!.id, partial.notification!.id]);
    expect(ours(await list({ incomplete: true })).map((n) => [n.id, n.deliveriesCreated, n.leftOut])).toEqual([
      [nobody.notification!.id, 0, 0],
      [partial.notification!.id, 1, 1],
    ]);
    expect(ours(await list({ source: gatewayv1.NotificationSource.NOTIFICATION_SOURCE_BROADCAST })).map((n) => n.id)).toEqual([nobody.notification!.id]);
    expect(ours(await list({ notificationType: NT.NOTIFICATION_TYPE_WELCOME })).map((n) => n.id)).toEqual([complete.notification!.id, partial.notification!.id]);
    // Pages: a token goes on where the last page ended (newest first), and only with its own filters.
    const first = await list({ page: { pageSize: 1, pageToken: '' } });
    const second = await list({ page: { pageSize: 1, pageToken: first.nextPageToken } });
    const newest = (await list({ page: { pageSize: 2, pageToken: '' } })).notifications.map((n) => n.id);
    expect([...first.notifications, ...second.notifications].map((n) => n.id)).toEqual(newest);
    await refused(list({ incomplete: true, page: { pageSize: 1, pageToken: first.nextPageToken } }), 'page_token');
    await refused(list({ status: 99 as gatewayv1.NotificationStatus }), 'status');
    await refused(list({ ticketId: 'GGN-20261207-0001' }), 'ticket_id');
  });

  it('Notify / Broadcast: a 201-character key says it is too long; 200 characters are taken', async () => {
    const err = await notify([phone(freshPhone().local)], { idempotencyKey: 'k'.repeat(201), variables: welcome('long-key') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toBe('idempotency_key: is longer than 200 characters (201)');
    const b = await callUnary(stack.gatewayClient, 'broadcast', gatewayv1.BroadcastRequest.fromPartial({
      idempotencyKey: 'b'.repeat(201), notificationType: NT.NOTIFICATION_TYPE_MAINTENANCE,
      audiences: [commonv1.Audience.fromPartial({ kind: commonv1.AudienceKind.AUDIENCE_KIND_STAFF_ROLES, roles: [commonv1.Role.ROLE_ADMIN] })],
    })).catch((e: unknown) => e);
    expect((b as Error).message).toBe('idempotency_key: is longer than 200 characters (201)');
    const ok = await notify([phone(freshPhone().local)], { idempotencyKey: `${randomUUID()}`.padEnd(200, 'k'), variables: welcome('key-200') });
    expect(ok.duplicate).toBe(false);
  });

  it('Notify: the same key for a different request is ALREADY_EXISTS naming the key; the same request is a duplicate; nothing is sent twice', async () => {
    const a = freshPhone();
    const b = freshPhone();
    const key = `napi:fp:${randomUUID()}`;
    const first = await notify([phone(a.local)], { idempotencyKey: key, variables: welcome('fp') });
    // The same request (the phone spelled another way normalizes to the same one) → duplicate.
    const again = await notify([phone(a.e164)], { idempotencyKey: key, variables: { ...welcome('fp') } });
    expect(again).toMatchObject({ duplicate: true, notification: { id: first.notification!.id } });
    const service = createClient(gatewayv1.NotificationServiceClient, `127.0.0.1:${stack.gateway.grpc.port}`, { apiKey: SERVICE_KEY });
    const differing: Array<() => Promise<unknown>> = [
      () => notify([phone(a.local)], { idempotencyKey: key, variables: welcome('fp-other') }), // variables
      () => notify([phone(b.local)], { idempotencyKey: key, variables: welcome('fp') }), // target
      () => notify([phone(a.local)], { idempotencyKey: key, variables: welcome('fp'), notificationType: NT.NOTIFICATION_TYPE_SATISFACTION_SURVEY, templateKey: 'customer.welcome' }), // type
      () => callUnary(service, 'notify', gatewayv1.NotifyRequest.fromPartial({ // another caller
        idempotencyKey: key, notificationType: NT.NOTIFICATION_TYPE_WELCOME,
        target: { $case: 'recipients', value: { addressees: [{ addressee: phone(a.local) }] } }, variables: welcome('fp'),
      })),
    ];
    for (const call of differing) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AlreadyExistsError);
      expect((err as Error).message).toContain(`idempotency_key "${key}" was already used for a different request (notification ${first.notification!.id})`);
    }
    (service as unknown as { close(): void }).close();
    await drain();
    expect(fonnteTo(a.e164, 'fp')).toHaveLength(1);
    expect(fonnteTo(b.e164)).toHaveLength(0);
    expect(await stack.gateway.store.deliveriesOf(first.notification!.id)).toHaveLength(1);
  });

  it('Broadcast: the same key for other audiences is ALREADY_EXISTS; the same request is a duplicate; a key stored without a fingerprint keeps answering duplicate', async () => {
    const broadcast = (key: string, roles: commonv1.Role[], client = stack.gatewayClient) => callUnary(client, 'broadcast', gatewayv1.BroadcastRequest.fromPartial({
      idempotencyKey: key, notificationType: NT.NOTIFICATION_TYPE_MAINTENANCE,
      audiences: [commonv1.Audience.fromPartial({ kind: commonv1.AudienceKind.AUDIENCE_KIND_STAFF_ROLES, roles })],
      // Staff get no customer_name filled in: the caller names them.
      variables: { customer_name: 'Tim', maintenance_type: 'Upgrade', area: 'Karawang', start_at: '2026-12-10T22:00:00+07:00', duration_minutes: 240, impact: 'Internet mati', reason: 'Upgrade' },
    }));
    const key = `napi:bfp:${randomUUID()}`;
    const first = await broadcast(key, [commonv1.Role.ROLE_ADMIN]);
    expect(first.duplicate).toBe(false);
    expect(await broadcast(key, [commonv1.Role.ROLE_ADMIN])).toMatchObject({ duplicate: true, notification: { id: first.notification!.id } });
    const err = await broadcast(key, [commonv1.Role.ROLE_NOC]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect((err as Error).message).toContain(`idempotency_key "${key}" was already used for a different request`);
    // A notification stored before fingerprints existed: a repeated key is a duplicate, whatever the request (as before).
    await stack.gateway.dataSource.query(`UPDATE "${stack.gatewaySchema.schema}".notifications SET request_fingerprint = NULL WHERE id = $1`, [first.notification!.id]);
    expect(await broadcast(key, [commonv1.Role.ROLE_NOC])).toMatchObject({ duplicate: true, notification: { id: first.notification!.id } });
  });

  it('Notify about a well-formed ticket id the ticket service does not know is NOT_FOUND and stores nothing; a known ticket is taken', async () => {
    const p = freshPhone();
    const key = `napi:ticket:${randomUUID()}`;
    const unknown = randomUUID();
    const err = await notify([phone(p.local)], { idempotencyKey: key, ticketId: unknown, variables: welcome('unknown-ticket') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe(`ticket ${unknown} not found`);
    expect(await stack.gateway.store.notificationByKey(key)).toBeNull();
    const ticketId = await createTicket();
    const ok = await notify([phone(p.local)], { idempotencyKey: key, ticketId, variables: welcome('known-ticket') });
    expect(ok.deliveries.map((d) => d.ticketId)).toEqual([ticketId]);
  });

  it('Notify with a ticket_id gives its audience the ticket as context (proto: "the technician in context"): ASSIGNED_TECHNICIAN reaches the ticket\'s technician, CUSTOMER its customer; no technician yet → INVALID_ARGUMENT naming the ticket; an unknown ticket → NOT_FOUND', async () => {
    const c = await register('Dewi Pasang Baru');
    const techPhone = freshPhone();
    const tech = (await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({
      name: 'Agus Teknisi', phone: techPhone.local, role: commonv1.Role.ROLE_TECHNICIAN, workZones: ['karawang'],
    }))).staff!;
    const t = (await callUnary(stack.ticketClient, 'createTicket', ticketv1.CreateTicketRequest.fromPartial({
      type: ticketv1.TicketType.TICKET_TYPE_INSTALLATION, customerId: c.id, description: 'Pasang baru', address: 'Jl. Kenanga 7',
      workZone: 'karawang', priority: commonv1.Priority.PRIORITY_NORMAL, requestId: randomUUID(),
    }))).ticket!;
    const AK = commonv1.AudienceKind;
    const schedule = (kind: commonv1.AudienceKind, ticketId = t.id, key = `napi:ctx:${randomUUID()}`) =>
      callUnary(stack.gatewayClient, 'notify', gatewayv1.NotifyRequest.fromPartial({
        idempotencyKey: key, notificationType: NT.NOTIFICATION_TYPE_INSTALLATION_SCHEDULE, ticketId,
        target: { $case: 'audience', value: commonv1.Audience.fromPartial({ kind }) }, variables: { scheduled_at: '2026-12-12T09:00:00+07:00' },
      }));
    // Not assigned yet: no technician in context (as an audience without staff_id and no ticket_id).
    const key = `napi:ctx:${randomUUID()}`;
    const none = await schedule(AK.AUDIENCE_KIND_ASSIGNED_TECHNICIAN, t.id, key).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ValidationError);
    expect((none as Error).message).toBe(`audience.staff_id: AUDIENCE_KIND_ASSIGNED_TECHNICIAN needs a staff id (ticket ${t.number} has no technician assigned)`);
    expect(await stack.gateway.store.notificationByKey(key)).toBeNull();
    await callUnary(stack.ticketClient, 'assignTicket', ticketv1.AssignTicketRequest.fromPartial({ ticketId: t.id, technicianId: tech.id }));
    const toTech = await schedule(AK.AUDIENCE_KIND_ASSIGNED_TECHNICIAN, t.id, key);
    expect(toTech.deliveries.map((d) => [d.recipient, d.recipientKind, d.ticketId])).toEqual([[techPhone.e164, commonv1.RecipientKind.RECIPIENT_KIND_STAFF, t.id]]);
    const techBody = (await stack.gateway.store.delivery(toTech.deliveries[0]!.id))!.body;
    expect(techBody).toContain(`Nomor: ${t.number}`);
    expect(techBody).toContain('Teknisi: Agus Teknisi');
    const toCustomer = await schedule(AK.AUDIENCE_KIND_CUSTOMER);
    expect(toCustomer.deliveries.map((d) => [d.recipient, d.recipientKind, d.ticketId])).toEqual([[c.e164, commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, t.id]]);
    expect((await stack.gateway.store.delivery(toCustomer.deliveries[0]!.id))!.body).toContain('Halo Dewi Pasang Baru,');
    await waitFor(() => fonnteTo(techPhone.e164, 'JADWAL PEMASANGAN').length === 1 && fonnteTo(c.e164, 'JADWAL PEMASANGAN').length === 1, { timeoutMs: 20_000 });
    // A ticket id the ticket service does not know: NOT_FOUND naming it, nothing stored.
    const unknown = randomUUID();
    const unknownKey = `napi:ctx:${randomUUID()}`;
    const missing = await schedule(AK.AUDIENCE_KIND_CUSTOMER, unknown, unknownKey).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toBe(`ticket ${unknown} not found`);
    expect(await stack.gateway.store.notificationByKey(unknownKey)).toBeNull();
  });

  it('ListDeliveries: a ticket_id that is not a UUID (a ticket number) is INVALID_ARGUMENT naming ticket_id; a UUID filters', async () => {
    const list = (ticketId: string) => callUnary(stack.gatewayClient, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ ticketId }));
    for (const ticketId of ['GGN-20261207-0003', 'not-a-uuid', `${randomUUID()}x`]) {
      const err = await list(ticketId).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(/^ticket_id: /);
    }
    // A Notify about a ticket (by its id) is found by that id, and only by it.
    const p = freshPhone();
    const ticketId = await createTicket();
    const res = await notify([phone(p.local)], { ticketId, variables: welcome('ticket-filter') });
    // (The ticket's own lifecycle messages are listed under it too.)
    const listed = (await list(ticketId)).deliveries;
    expect(listed.map((d) => d.id)).toEqual(expect.arrayContaining(res.deliveries.map((d) => d.id)));
    expect(listed.every((d) => d.ticketId === ticketId)).toBe(true);
    expect((await list(randomUUID())).deliveries).toEqual([]);
    // Ids are matched whatever their case; Notify itself refuses a ticket number too (it would be stored and match nothing).
    expect((await list(ticketId.toUpperCase())).deliveries.map((d) => d.id)).toEqual(expect.arrayContaining(res.deliveries.map((d) => d.id)));
    const byNumber = await notify([phone(freshPhone().local)], { ticketId: 'GGN-20261207-0003', variables: welcome('ticket-number') }).catch((e: unknown) => e);
    expect(byNumber).toBeInstanceOf(ValidationError);
    expect((byNumber as Error).message).toMatch(/^ticket_id: /);
  });

  it('an emergency alert without a priority is URGENT (seeds: "Critical (Emergency)"); a given priority is kept', async () => {
    const vars = { alert_type: 'Gangguan Massal', area: 'Karawang', customers_affected: 120, status: 'Investigasi', eta: '2 jam' };
    const urgent = await notify([phone(freshPhone().local)], { notificationType: NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, variables: vars });
    expect(urgent.deliveries.map((d) => d.priority)).toEqual([commonv1.Priority.PRIORITY_URGENT]);
    const high = await notify([phone(freshPhone().local)], { notificationType: NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, priority: commonv1.Priority.PRIORITY_HIGH, variables: vars });
    expect(high.deliveries.map((d) => d.priority)).toEqual([commonv1.Priority.PRIORITY_HIGH]);
    const welcomeNormal = await notify([phone(freshPhone().local)], { variables: welcome('default-priority') });
    expect(welcomeNormal.deliveries.map((d) => d.priority)).toEqual([commonv1.Priority.PRIORITY_NORMAL]);
  });

  it('WatchDeliveries refuses a ticket_id or notification_id that is not a UUID (INVALID_ARGUMENT)', async () => {
    for (const req of [{ ticketId: 'GGN-20261207-0003' }, { notificationId: 'nope' }]) {
      const stream = stack.gatewayClient.watchDeliveries(gatewayv1.WatchDeliveriesRequest.fromPartial(req));
      const err = await new Promise<Error & { code?: number }>((resolve) => {
        stream.on('error', resolve);
        stream.on('data', () => undefined);
      });
      expect(err.code).toBe(3); // INVALID_ARGUMENT
      expect(err.message).toMatch(/(ticket_id|notification_id): must be a UUID/);
    }
  });

  it('two concurrent Notify calls with one key: one notification, the second answered duplicate = true with its deliveries', async () => {
    const a = freshPhone();
    const b = freshPhone();
    const key = `napi:${randomUUID()}`;
    const call = () => notify([phone(a.local), phone(b.local)], { idempotencyKey: key, variables: welcome('concurrent') });
    const [x, y] = await Promise.all([call(), call()]);
    expect(x.notification!.id).toBe(y.notification!.id);
    expect([x.duplicate, y.duplicate].sort()).toEqual([false, true]);
    for (const r of [x, y]) {
      expect(r.deliveries.map((d) => d.recipient).sort()).toEqual([a.e164, b.e164].sort());
      expect(r.notification!.status).toBe(gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVED);
    }
    expect(x.deliveries.map((d) => d.id).sort()).toEqual(y.deliveries.map((d) => d.id).sort());
  });

  describe('the ingest use case on the real store (a fake directory and renderer)', () => {
    const text = { text: 'Halo', version: 1, locale: 'ID' as const };
    const templates: TemplateRenderer = {
      render: async () => text,
      renderBatch: async (jobs: readonly RenderJob[]) => jobs.map((): RenderOutcome => ({ ok: true, rendered: text })),
    };
    const recipient = (address: string): ResolvedRecipient => ({
      kind: 'PHONE', id: '', name: '', channel: 'WHATSAPP', address, locale: 'ID', quietHours: null, templateKey: 'customer.welcome', audience: 'PHONE',
    });
    const useCase = (directory: RecipientDirectory, resolvingWaitMs?: number) => new IngestNotificationUseCase({
      store: stack.gateway.store, directory, templates, logger: stack.logger, clock: () => new Date(), smsFallbackPriorities: [],
      ...(resolvingWaitMs !== undefined ? { resolvingWaitMs } : {}),
    });
    const request = (key: string): IngestRequest => ({
      source: 'NOTIFY', idempotencyKey: key, sourceEventId: null, notificationType: 'WELCOME', priority: 'NORMAL', templateKey: 'customer.welcome',
      ticketId: null, actor: null, variables: {}, strict: true, queries: [{ request: {} }],
    });

    it('a Notify that failed on a dependency is marked FAILED, and a retry with its key resumes at once', async () => {
      const p = freshPhone();
      let down = true;
      const directory: RecipientDirectory = {
        async *resolve() {
          if (down) throw new UnavailableError('customer service');
          yield { recipients: [recipient(p.e164)], leftOut: 0, last: true };
        },
        customer: async () => null,
        staff: async () => null,
      };
      const key = `napi:${randomUUID()}`;
      const uc = useCase(directory);
      await expect(uc.execute(request(key))).rejects.toBeInstanceOf(UnavailableError);
      expect(await stack.gateway.store.notificationByKey(key)).toMatchObject({ status: 'FAILED', deliveriesCreated: 0 });
      down = false;
      const started = Date.now();
      const retry = await uc.execute(request(key));
      expect(Date.now() - started).toBeLessThan(5_000); // not the 30 s wait for a call still running
      expect(retry).toMatchObject({ duplicate: false, notification: { status: 'RESOLVED', deliveriesCreated: 1 } });
      expect(retry.deliveries.map((d) => d.recipient)).toEqual([p.e164]);
    });

    it('a Broadcast (not strict) nobody can be rendered for, from a directory that cannot tell its last page, ends FAILED with the reason', async () => {
      const [a, b] = [freshPhone(), freshPhone()];
      const directory: RecipientDirectory = {
        async *resolve() {
          yield { recipients: [recipient(a.e164)], leftOut: 0 };
          yield { recipients: [recipient(b.e164)], leftOut: 1 };
        },
        customer: async () => null,
        staff: async () => null,
      };
      const missing = new NotFoundError('template', 'no.such.template');
      const failing: TemplateRenderer = {
        render: async () => { throw missing; },
        renderBatch: async (jobs: readonly RenderJob[]) => jobs.map((): RenderOutcome => ({ ok: false, error: missing })),
      };
      const uc = new IngestNotificationUseCase({ store: stack.gateway.store, directory, templates: failing, logger: stack.logger, clock: () => new Date(), smsFallbackPriorities: [] });
      const res = await uc.execute({ ...request(`napi:${randomUUID()}`), source: 'BROADCAST', strict: false, collect: false, templateKey: 'no.such.template' });
      expect(res).toMatchObject({ duplicate: false, notification: { status: 'FAILED', deliveriesCreated: 0, leftOut: 3, error: missing.message } });
      // The same with one recipient that can be rendered: RESOLVED, the reason still recorded.
      let calls = 0;
      const once: TemplateRenderer = {
        render: async () => (++calls === 1 ? text : Promise.reject(missing)),
        renderBatch: async () => { throw new Error('one text per page here'); },
      };
      const partly = new IngestNotificationUseCase({ store: stack.gateway.store, directory, templates: once, logger: stack.logger, clock: () => new Date(), smsFallbackPriorities: [] });
      const ok = await partly.execute({ ...request(`napi:${randomUUID()}`), source: 'BROADCAST', strict: false });
      expect(ok).toMatchObject({ notification: { status: 'RESOLVED', deliveriesCreated: 1, leftOut: 2, error: missing.message } });
      expect(ok.deliveries.map((d) => d.recipient)).toEqual([a.e164]);
      // The one whose text could not be rendered is named with the reason (the directory named nobody).
      expect(ok.notification.leftOutRecipients).toEqual([{ kind: 'PHONE', id: '', address: b.e164, name: '', reason: missing.message, channel: 'WHATSAPP' }]);
      expect(res.notification.leftOutRecipients.map((l) => [l.address, l.reason])).toEqual([[a.e164, missing.message], [b.e164, missing.message]]);
    });

    it('a key left RESOLVING by a crashed call is waited for only until it is resolvingWaitMs old, then resumed', async () => {
      const p = freshPhone();
      const key = `napi:${randomUUID()}`;
      const directory: RecipientDirectory = {
        async *resolve() {
          yield { recipients: [recipient(p.e164)], leftOut: 0, last: true };
        },
        customer: async () => null,
        staff: async () => null,
      };
      const { notification } = await stack.gateway.store.createNotification(
        { source: 'NOTIFY', idempotencyKey: key, notificationType: 'WELCOME', priority: 'NORMAL', templateKey: 'customer.welcome', ticketId: null, actor: null, variables: null, request: null },
        new Date(),
      );
      expect(notification.status).toBe('RESOLVING');
      const started = Date.now();
      const res = await useCase(directory, 400).execute(request(key));
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(res).toMatchObject({ duplicate: false, notification: { id: notification.id, status: 'RESOLVED', deliveriesCreated: 1 } });
    });
  });
});
