import * as grpc from '@grpc/grpc-js';
import { naturalBatcher, type NaturalBatcher } from '@notify/batching';
import { NotFoundError, ValidationError } from '@notify/errors';
import { callUnary, errorFromItem } from '@notify/grpc-kit';
import { commonv1, customerv1 } from '@notify/proto';
import type { RecipientDirectory, RecipientPage, RecipientQuery, ResolvedRecipient } from '../../application/ports';
import { LEFT_OUT_RECIPIENTS_KEPT, type Channel, type LeftOutRecipient, type Locale, type RecipientKind, type StoredQuietHours } from '../../domain';

const CH: Record<number, Channel> = { [commonv1.Channel.CHANNEL_WHATSAPP]: 'WHATSAPP', [commonv1.Channel.CHANNEL_SMS]: 'SMS' };
const KIND: Record<number, RecipientKind> = {
  [commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER]: 'CUSTOMER',
  [commonv1.RecipientKind.RECIPIENT_KIND_STAFF]: 'STAFF',
  [commonv1.RecipientKind.RECIPIENT_KIND_GROUP]: 'GROUP',
  [commonv1.RecipientKind.RECIPIENT_KIND_PHONE]: 'PHONE',
};

/** Proto RecipientKind → the delivery log's recipient kind (PHONE for UNSPECIFIED / unknown values). */
export function recipientKindFromProto(kind: commonv1.RecipientKind): RecipientKind {
  return KIND[kind] ?? 'PHONE';
}

/**
 * Proto quiet hours (customer service: Recipient.quiet_hours, Preferences.quiet_hours) → the
 * window a delivery keeps; null when absent or empty (start = end); time zone default Asia/Jakarta.
 */
export function storedQuietHours(q: commonv1.QuietHours | undefined): StoredQuietHours | null {
  return q && q.startMinute !== q.endMinute ? { startMinute: q.startMinute, endMinute: q.endMinute, timeZone: q.timeZone || 'Asia/Jakarta' } : null;
}

/** A ResolveRecipients request for the directory (page filled in by the directory). */
export function recipientQuery(request: Omit<customerv1.ResolveRecipientsRequest, 'page'>): RecipientQuery {
  return { request };
}

/**
 * The ResolveRecipients query for explicit audiences (Broadcast, campaigns, Notify's audience or
 * addressees): the audiences go to the customer service as they are (proto
 * ResolveRecipientsRequest.audiences: "these audiences replace the routing rules' audiences; the
 * channels are then `channels`", empty = [CHANNEL_WHATSAPP]), each with its own parameters
 * (work_zone, group_id, roles, customer_id, staff_id, phone: a Notify's bare phone is a PHONE
 * audience, so its opt-outs apply), in ONE paged query, so the customer service merges and
 * de-duplicates them across audiences (a bare phone that is also an addressed person's is sent
 * once, as that person). `base` is the shared context (ticket
 * id, a Notify's work zone for zone audiences); `priority` is carried in it.
 * No audiences → one routing-rule query (the type's stored rules decide).
 * Identical audiences are sent once. Bad or missing parameters come back as ValidationError
 * (INVALID_ARGUMENT naming the field, e.g. `audiences[0].group_id`) from the first page.
 */
export function audienceQueries(
  notificationType: commonv1.NotificationType,
  audiences: readonly commonv1.Audience[],
  channels: readonly commonv1.Channel[],
  priority: commonv1.Priority,
  base: Partial<customerv1.RecipientContext> = {},
): RecipientQuery[] {
  const seen = new Set<string>();
  const unique = audiences.filter((a) => {
    const key = JSON.stringify(commonv1.Audience.toJSON(a));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return [recipientQuery({
    notificationType,
    context: customerv1.RecipientContext.fromPartial({ ...base, priority }),
    audiences: unique.map((a) => commonv1.Audience.fromPartial(a)),
    channels: [...channels],
  })];
}

const R = customerv1.LeftOutReason;

/**
 * Why the customer service left someone out (proto LeftOutReason, customer.proto), in the words
 * a notification keeps: `opted out of WHATSAPP`, `no phone on record`, …
 */
export function leftOutReasonText(reason: customerv1.LeftOutReason, channel: Channel | null): string {
  switch (reason) {
    case R.LEFT_OUT_REASON_OPTED_OUT: return `opted out of ${channel ?? 'its channels'}`;
    case R.LEFT_OUT_REASON_TYPE_OPTED_OUT: return 'preferences opt out of this notification type';
    case R.LEFT_OUT_REASON_CHANNEL_DISABLED: return 'preferences disable every channel the rule allows';
    case R.LEFT_OUT_REASON_NO_PHONE: return 'no phone on record';
    case R.LEFT_OUT_REASON_INACTIVE: return 'inactive (or not in a status the audience takes)';
    case R.LEFT_OUT_REASON_NOT_FOUND: return 'not found in the directory';
    case R.LEFT_OUT_REASON_CHANNEL_UNSUPPORTED: return `groups get WhatsApp only${channel ? ` (not ${channel})` : ''}`;
    case R.LEFT_OUT_REASON_SHARED_PHONE: return `its phone already gets this notification${channel ? ` on ${channel}` : ''} as another recipient`;
    default: return 'left out by the customer service';
  }
}

/**
 * The customer service's left-out recipients of a page as the notification keeps them (at most
 * LEFT_OUT_RECIPIENTS_KEPT; the actor of the change is not one: not a recipient missed).
 */
export function leftOutFromProto(leftOut: readonly customerv1.LeftOutRecipient[]): LeftOutRecipient[] {
  const out: LeftOutRecipient[] = [];
  for (const l of leftOut) {
    if (l.reason === R.LEFT_OUT_REASON_IS_ACTOR) continue;
    if (out.length === LEFT_OUT_RECIPIENTS_KEPT) break;
    const channel = CH[l.channel] ?? null;
    const kind = recipientKindFromProto(l.kind);
    out.push({ kind, id: l.id, address: kind === 'PHONE' ? l.address : '', name: l.name, reason: leftOutReasonText(l.reason, channel), channel });
  }
  return out;
}

/** Maps one proto Recipient (customer service) to the pipeline's ResolvedRecipient. */
export function recipientFromProto(r: customerv1.Recipient): ResolvedRecipient {
  const locale: Locale = r.locale === commonv1.Locale.LOCALE_EN ? 'EN' : 'ID';
  return {
    kind: recipientKindFromProto(r.kind),
    id: r.id,
    name: r.name,
    channel: CH[r.channel] ?? 'WHATSAPP',
    address: r.address,
    locale,
    quietHours: storedQuietHours(r.quietHours),
    templateKey: r.templateKey,
    audience: (commonv1.AudienceKind[r.audience] ?? 'AUDIENCE_KIND_UNSPECIFIED').replace('AUDIENCE_KIND_', ''),
    ...(r.smsFallbackRefused ? { smsFallbackRefused: true } : {}),
  };
}

/** Most requests in one BatchResolveRecipients call (the customer service's limit, proto: at most 100). */
export const BATCH_RESOLVE_MAX = 100;

/** At most this many customers and staff members are kept; the cache starts over when full. */
const FACTS_CACHE_MAX = 10_000;

/** Options of {@link GrpcRecipientDirectory}'s display-facts cache. */
export interface DirectoryCacheOptions {
  /** How long a found customer's or staff member's facts are kept, ms (DIRECTORY_CACHE_TTL_MS); 0 (the default here) = ask every time. */
  readonly ttlMs?: number;
  /** Clock of the cache, epoch ms (tests). */
  readonly now?: () => number;
}

/**
 * The customer service as the pipeline's RecipientDirectory: ResolveRecipients page by page
 * (`pageSize`, default 1000, max 5000), GetCustomer / GetStaff for template variables. The first
 * pages of concurrent resolutions (the events the consumers handle at once) share one
 * BatchResolveRecipients call (naturalBatcher, see resolveTogether). Calls
 * carry the client's deadline; errors are the mapped domain errors (UNAVAILABLE →
 * UnavailableError, so consumers retry).
 *
 * Every ticket event needs the customer's and the technician's display facts (name, phone,
 * address) for its variables; with `cache.ttlMs` a found one is kept that long (one call for
 * concurrent asks of the same id too), so an edit of a name shows in messages within the TTL.
 * Unknown ids (null) and failures are never kept. Recipients themselves are always resolved
 * afresh (ResolveRecipients is not cached).
 */
export class GrpcRecipientDirectory implements RecipientDirectory {
  private readonly facts = new Map<string, { value: Promise<unknown>; until: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  /** First pages of concurrent resolutions, one BatchResolveRecipients call per batch. */
  private readonly firstPages: NaturalBatcher<customerv1.ResolveRecipientsRequest, customerv1.ResolveRecipientsResponse>;
  /** false once the customer service answered BatchResolveRecipients with UNIMPLEMENTED (an older one). */
  private batchSupported = true;

  constructor(
    private readonly client: customerv1.CustomerServiceClient,
    private readonly pageSize = 1000,
    cache: DirectoryCacheOptions = {},
  ) {
    this.ttlMs = cache.ttlMs ?? 0;
    this.now = cache.now ?? Date.now;
    // Traced: each event's trace keeps a `gateway.resolve_recipients` span linked to the batch's call.
    this.firstPages = naturalBatcher((requests) => this.resolveTogether(requests), { maxBatchSize: BATCH_RESOLVE_MAX, span: 'gateway.resolve_recipients' });
  }

  /**
   * One call for the first pages of a batch: ResolveRecipients for a lone request,
   * BatchResolveRecipients for more (each result its page, or its own ValidationError /
   * NotFoundError as ResolveRecipients would have thrown it). A customer service without
   * BatchResolveRecipients (UNIMPLEMENTED: an older version during a rolling update) gets single
   * calls from then on.
   */
  private async resolveTogether(
    requests: readonly customerv1.ResolveRecipientsRequest[],
  ): Promise<Array<customerv1.ResolveRecipientsResponse | Error>> {
    const single = (r: customerv1.ResolveRecipientsRequest) =>
      callUnary(this.client, 'resolveRecipients', r).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    if (requests.length === 1 || !this.batchSupported) return Promise.all(requests.map(single));
    let res: customerv1.BatchResolveRecipientsResponse;
    try {
      res = await callUnary(this.client, 'batchResolveRecipients', { requests: [...requests] });
    } catch (err) {
      if ((err as { code?: number }).code !== grpc.status.UNIMPLEMENTED) throw err;
      this.batchSupported = false;
      return Promise.all(requests.map(single));
    }
    if (res.results.length !== requests.length) {
      throw new Error(`BatchResolveRecipients answered ${res.results.length} results for ${requests.length} requests`);
    }
    return res.results.map((result) => {
      const outcome = result.outcome;
      if (outcome?.$case === 'resolved') return outcome.value;
      if (outcome?.$case !== 'error') return new Error('BatchResolveRecipients answered a result with neither a page nor an error');
      return errorFromItem(outcome.value);
    });
  }

  /** `load()` through the cache under `key`: a kept answer while fresh, else a new call (kept when it finds something). */
  private cached<T>(key: string, load: () => Promise<T | null>): Promise<T | null> {
    if (this.ttlMs <= 0) return load();
    const hit = this.facts.get(key);
    if (hit && hit.until > this.now()) return hit.value as Promise<T | null>;
    if (this.facts.size >= FACTS_CACHE_MAX) this.facts.clear();
    const value = load();
    const entry = { value: value as Promise<unknown>, until: this.now() + this.ttlMs };
    this.facts.set(key, entry);
    const forget = () => {
      if (this.facts.get(key) === entry) this.facts.delete(key);
    };
    value.then((v) => (v === null ? forget() : undefined), forget);
    return value;
  }

  async *resolve(query: RecipientQuery, signal?: AbortSignal): AsyncIterable<RecipientPage> {
    const base = query.request as Omit<customerv1.ResolveRecipientsRequest, 'page'>;
    let token = '';
    do {
      const request = customerv1.ResolveRecipientsRequest.fromPartial({ ...base, page: { pageSize: this.pageSize, pageToken: token } });
      // First pages without an abort signal (the events' queries) go through the coalescing
      // front; later pages and cancellable resolutions (Broadcast) are calls of their own.
      const res = token === '' && !signal
        ? await this.firstPages.load(request)
        : await callUnary(this.client, 'resolveRecipients', request, signal ? { signal } : {});
      const notFound = res.leftOut
        .filter((l) => l.reason === customerv1.LeftOutReason.LEFT_OUT_REASON_NOT_FOUND)
        .map((l) => ({ kind: KIND[l.kind] ?? 'PHONE', id: l.id }));
      // The actor of the change is not a recipient missed (they get the reply flow's answer).
      const leftOut = res.leftOut.filter((l) => l.reason !== customerv1.LeftOutReason.LEFT_OUT_REASON_IS_ACTOR).length;
      yield {
        recipients: res.recipients.map(recipientFromProto), leftOut, leftOutRecipients: leftOutFromProto(res.leftOut), last: !res.nextPageToken,
        ...(notFound.length ? { notFound } : {}),
      };
      token = res.nextPageToken;
    } while (token);
  }

  customer(id: string) {
    return this.cached(`customer:${id}`, () => this.loadCustomer(id));
  }

  staff(id: string) {
    return this.cached(`staff:${id}`, () => this.loadStaff(id));
  }

  private async loadCustomer(id: string) {
    try {
      const c = (await callUnary(this.client, 'getCustomer', customerv1.GetCustomerRequest.fromPartial({ id }))).customer;
      return c ? { id: c.id, name: c.name, phone: c.phone, address: c.address, workZone: c.workZone, packageName: c.packageName, activatedAt: c.activatedAt ?? null } : null;
    } catch (err) {
      if (isUnknownId(err)) return null;
      throw err;
    }
  }

  private async loadStaff(id: string) {
    try {
      const s = (await callUnary(this.client, 'getStaff', customerv1.GetStaffRequest.fromPartial({ id }))).staff;
      return s ? { id: s.id, name: s.name, phone: s.phone } : null;
    } catch (err) {
      if (isUnknownId(err)) return null;
      throw err;
    }
  }
}

/** NOT_FOUND, or the customer service refusing the id as no UUID (INVALID_ARGUMENT on `id`): no such person either way. */
function isUnknownId(err: unknown): boolean {
  return err instanceof NotFoundError || (err instanceof ValidationError && err.field === 'id');
}
