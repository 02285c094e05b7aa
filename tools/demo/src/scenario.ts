/**
 * The seeds' story, played against a running Notify over its public interfaces only: the
 * five gRPC APIs (admin API key) and the provider simulators' HTTP control API (messages they
 * accepted, faults, and the inbound-message helper that posts a technician's reply to the
 * gateway's webhook exactly as Fonnte would). Used by `npm run demo` (main.ts) and by
 * tests/e2e/scenario.e2e-spec.ts.
 *
 * Steps (issue 7 "The seeds' scenario"; texts from customer-notification-system.md via the
 * template service's seeded templates):
 *   1. directory: the seeds' customer 082291921583, technicians in Karawang and Bekasi, their
 *      zone WhatsApp groups, a supervisor;
 *   2. an admin creates a GANGGUAN ticket in karawang: the customer gets "TIKET GANGGUAN
 *      DITERIMA", Karawang's technicians and group the job offer, Bekasi's nothing;
 *   3. a Karawang technician replies `1` three times: ASSIGNED / "TEKNISI DITUGASKAN",
 *      IN_PROGRESS / "PENANGANAN GANGGUAN DIMULAI", COMPLETED / "GANGGUAN BERHASIL DIATASI";
 *   4. a new customer registers for installation: the PSB ticket is opened automatically and
 *      the customer gets "TIKET PSB DITERIMA";
 *   5. Fonnte goes down: the next ticket's messages go through Wablas and GetStats counts the
 *      failovers;
 *   6. an urgent ticket nears its SLA: TriggerJob sla_monitor warns the supervisor.
 *
 * Each step waits (polling, with a deadline) for the messages it expects at the simulators
 * and returns every message that arrived during the step, with the delivery it belongs to
 * (ListDeliveries, matched on the provider message id) and the trace id of the send where one
 * is known (see {@link ScenarioMessage.traceId}).
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { ServiceName } from '@notify/config';
import { ConflictError, FailedPreconditionError, NotFoundError } from '@notify/errors';
import { callUnary, createClient } from '@notify/grpc-kit';
import { commonv1, customerv1, gatewayv1, schedulerv1, ticketv1 } from '@notify/proto';
import type { ProviderName, SimFault } from '@notify/provider-sim';
import { SimControl, type SimMessageView } from './sim-control';
import { formatWib } from './wib';

/** The seeds' customer phone (customer-notification-system.md, "Phone Number Format"). */
export const SEED_CUSTOMER_PHONE = '082291921583';
/** The same number as the providers record it (E.164 digits). */
export const SEED_CUSTOMER_E164 = '6282291921583';

/**
 * The demo's staff and zone groups, with FIXED phones and chat ids: every run looks them up
 * (ListStaff / ListGroups) and creates only what is missing, so the directory of a stack the demo
 * runs against again and again stays the same — Karawang's job offer goes to its two technicians
 * and the group, never to the staff of earlier runs.
 *
 * Earlier versions gave the staff new random phones on every run. Nothing in the story needs
 * that, and what it avoided is handled otherwise:
 * - the gateway's per-recipient rate limit (default 10 an hour; a ticket's own messages are
 *   exempt), which the same phones can reach after a few runs within the hour — as the seeds'
 *   customer 082291921583, which must stay the same, does anyway: `npm start` runs without the limit unless RECIPIENT_RATE_LIMIT is set, and
 *   when a stack has one and holds a message back, the step fails at once saying so (see
 *   ScenarioRun.rateLimited) instead of waiting for its timeout;
 * - messages of an earlier run still arriving (e.g. released by that limit): a step's expected
 *   messages and forbidden recipients are matched on this run's ticket number, not only on the
 *   headline and the recipient;
 * - the technician's "1": it answers the latest job message sent to that phone, which is always
 *   this run's offer (step 2 waits for it), and the OPEN Karawang tickets an interrupted demo
 *   run left — only the demo's own (DEMO_GANGGUAN) — are cancelled first (cancelStaleKarawangTickets);
 * - staff phones are unique in the customer service: a phone already there is reused (and set
 *   back to its name, role, zones and active if someone changed it), never created twice.
 * Staff those versions left (a demo name, role and zones, a random phone): the oldest is reused
 * while the fixed phone is not in the directory, the others are deactivated, so Karawang's job
 * offer no longer goes to every earlier run's technicians.
 */
export const DEMO_STAFF = Object.freeze({
  karawang: [
    { name: 'Andi Pratama', phone: '081200000101' },
    { name: 'Rudi Hartono', phone: '081200000102' },
  ],
  bekasi: [{ name: 'Dedi Kurniawan', phone: '081200000201' }],
  supervisor: { name: 'Sari Wulandari', phone: '081200000301' },
});

/** The zone groups' fixed WhatsApp chat ids (used when the group `Teknisi <Zone>` does not exist yet). */
export const DEMO_GROUP_CHAT_IDS: Readonly<Record<'karawang' | 'bekasi', string>> = Object.freeze({
  karawang: '120363000000000101@g.us',
  bekasi: '120363000000000201@g.us',
});

/**
 * Step 2's GANGGUAN ticket for the seeds' customer. Its title carries the demo's marker
 * (`(demo)`): before step 2, the OPEN Karawang tickets an earlier, interrupted run left are
 * cancelled, and a ticket counts as one only when it is the seeds' customer's AND has exactly
 * this title and description (cancelStaleKarawangTickets) — never an operator's ticket, even one
 * for the same customer. The description starts with the title, so the ticket's description (the
 * messages' "Masalah") is the description alone. (CreateTicket's request_id `demo:<run>:gangguan`
 * is not readable back from a ticket, so it cannot serve as the marker.)
 */
export const DEMO_GANGGUAN = Object.freeze({
  title: 'Internet mati (demo)',
  description: 'Internet mati (demo): sejak pagi, lampu LOS merah',
});

/** First lines of the seeded WhatsApp templates the story expects (services/template/src/seed). */
export const HEADLINES = Object.freeze({
  registrationConfirmation: '✅ *REGISTRASI BERHASIL*',
  welcome: '🎉 *SELAMAT DATANG!*',
  gangguanCreated: '🎫 *TIKET GANGGUAN DITERIMA*',
  gangguanAssigned: '👨‍🔧 *TEKNISI DITUGASKAN*',
  gangguanStarted: '🚀 *PENANGANAN GANGGUAN DIMULAI*',
  gangguanCompleted: '✅ *GANGGUAN BERHASIL DIATASI*',
  psbCreated: '🎫 *TIKET PSB DITERIMA*',
  jobOffer: '🆕 TICKET BARU!',
  slaWarning: '⚠️ *SLA WARNING*',
  /**
   * The gateway's reply-flow confirmations to the technician: the template service's technician.job_taken /
   * job_started / job_completed (services/template/src/seed/staff.templates.ts), or the same built-in texts
   * (services/gateway/src/application/replies/reply-texts.ts) when it cannot render; the seeds give no text.
   */
  replyTaken: '✅ *PEKERJAAN BERHASIL DIAMBIL*',
  replyStarted: '🚀 *PEKERJAAN DIMULAI*',
  replyCompleted: '✅ *PEKERJAAN SELESAI*',
});

/**
 * The notification type whose routing rules send each of the story's messages, by headline, as
 * `notifyctl routing list --type` takes it: the rules' dotted name, except the registration
 * confirmation's (`customer.registered` in the rules, `registration_confirmation` for notifyctl).
 * Job offers and the customer's "ticket received" both come from ticket.created. The reply flow's
 * confirmations (replyTaken …) have none: the gateway answers the technician without routing rules.
 */
export const ROUTING_TYPE_OF: Readonly<Record<string, string>> = Object.freeze({
  [HEADLINES.registrationConfirmation]: 'registration_confirmation',
  [HEADLINES.welcome]: 'customer.activated',
  [HEADLINES.gangguanCreated]: 'ticket.created',
  [HEADLINES.psbCreated]: 'ticket.created',
  [HEADLINES.jobOffer]: 'ticket.created',
  [HEADLINES.gangguanAssigned]: 'ticket.assigned',
  [HEADLINES.gangguanStarted]: 'ticket.started',
  [HEADLINES.gangguanCompleted]: 'ticket.completed',
  [HEADLINES.slaWarning]: 'sla.warning',
});

/**
 * Where to look when expected messages never arrived (a disabled routing rule sends nothing, so
 * the gateway has no delivery to show): `(are the routing rules on? npx notifyctl routing list
 * --type ticket.created)`, one command per notification type of `headlines` (see
 * {@link ROUTING_TYPE_OF}), in order, on one line; '' when none has a known type. Pure.
 */
export function routingHint(headlines: readonly string[]): string {
  const types = [...new Set(headlines.map((h) => ROUTING_TYPE_OF[h]).filter((t): t is string => t !== undefined))];
  if (types.length === 0) return '';
  return `(are the routing rules on? ${types.map((t) => `npx notifyctl routing list --type ${t}`).join('; ')})`;
}

/**
 * The error text of a step whose expected messages did not all arrive within `timeoutMs` (ms):
 * `step <n>: after <ms> ms still missing <routingHint>:`, then one line per missing message
 * (`label (recipient)`), `arrived:` and one line per message that did (already indented; none:
 * `(nothing)`), then `pending` as given (the gateway's deliveries to the missing recipients,
 * starting with a line break, or ''). Pure; exported for its unit test.
 */
export function stillMissingReport(
  step: number,
  timeoutMs: number,
  missing: readonly { readonly label: string; readonly recipient: string; readonly headline: string }[],
  arrived: readonly string[],
  pending = '',
): string {
  const hint = routingHint(missing.map((m) => m.headline));
  return (
    `step ${step}: after ${timeoutMs} ms still missing${hint ? ` ${hint}` : ''}:\n` +
    `${missing.map((m) => `  ${m.label} (${m.recipient})`).join('\n')}\narrived:\n${arrived.join('\n') || '  (nothing)'}${pending}`
  );
}

/** Where the stack listens and how to reach it. */
export interface ScenarioTarget {
  /** `host:port` of each service's gRPC API. */
  readonly addresses: Readonly<Record<ServiceName, string>>;
  /** An admin API key (`authorization: Bearer <key>`). */
  readonly apiKey: string;
  /** Base URLs of the simulators (`http://127.0.0.1:8091`…); Fonnte and Wablas are needed. */
  readonly sims: { readonly fonnte: string; readonly wablas: string; readonly twilio?: string; readonly advanta?: string };
  /** The gateway's webhook server base URL (checked at `/healthz` before the story starts). */
  readonly webhookUrl: string;
}

/** Switches Fonnte off and on (default: the simulator's HTTP fault knob, see {@link ScenarioOptions.faults}). */
export interface FonnteOutage {
  down(): Promise<void>;
  /** Resolves once Fonnte accepts messages again. */
  up(): Promise<void>;
}

/** Options of {@link playScenario}. */
export interface ScenarioOptions extends ScenarioTarget {
  /** Per step, how long to wait for the expected messages, ms (default 30000). */
  readonly stepTimeoutMs?: number;
  /**
   * After a step's expected messages arrived, how long to keep collecting, ms (default 750),
   * so messages that must NOT arrive (Bekasi's technicians in step 2) had a chance to.
   */
  readonly settleMs?: number;
  /**
   * Suffix of this run's request ids (CreateTicket's `request_id`), default random. The
   * directory is the same on every run (DEMO_STAFF); step 4's new customer gets a new phone.
   */
  readonly runId?: string;
  /**
   * The stack's per-recipient rate limit, when known (`npm start`'s stack.json): named in the
   * error when a step's message is held back by it. Unknown: the gateway's defaults (10 per
   * hour) are assumed to recognize the hold and the count of messages is reported.
   */
  readonly rateLimit?: { readonly perRecipient: number; readonly windowMs: number };
  /**
   * Default Fonnte outage: `POST /__sim/fault {"mode":"down","duration_ms":fonnteDownMs}` (the
   * port closes: connection refused, a definite failure) and waiting for the port to come back.
   * Default 15000 ms.
   */
  readonly fonnteDownMs?: number;
  /** Replaces the default Fonnte outage (e.g. a test's in-process simulator handle). */
  readonly faults?: FonnteOutage;
  /**
   * Step 6 needs a ticket within its warning threshold (URGENT: 4 h SLA, warned 1 h before).
   * CreateTicket has no field for the deadline and no service's clock can be set through a
   * public API, so the caller supplies this: it must make `ticket` due within the hour (a test
   * moves `sla_due_at` in the ticket schema). Returns a sentence saying what it did. Absent:
   * step 6 triggers the job and reports that no warning is due yet.
   */
  readonly nearSla?: (ticket: ticketv1.Ticket) => Promise<string>;
  /**
   * Play steps 1..lastStep only (default 6). The tickets and stats of steps not played are
   * absent from the result.
   */
  readonly lastStep?: 1 | 2 | 3 | 4 | 5 | 6;
  /** Called with each step as it finishes (the demo prints it). */
  readonly onStep?: (step: StepResult) => void;
  /**
   * Called with each ticket of the story as soon as it exists (step 2's right after CreateTicket,
   * step 4's once the ticket service opened it, steps 5 and 6's right after CreateTicket), before
   * the step waits for its messages: a caller that cleans up after the run (main.ts cancels the
   * tickets left open) knows them also when a later step fails and playScenario throws.
   */
  readonly onTicket?: (role: TicketRole, ticket: ticketv1.Ticket) => void;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
}

/** Who a recipient is in this story. */
export interface RecipientInfo {
  readonly role: 'customer' | 'technician' | 'supervisor' | 'group';
  readonly name: string;
  readonly zone?: string;
}

/** One message as the phone (or group) received it. */
export interface ScenarioMessage {
  readonly provider: ProviderName;
  /** Recipient as the provider recorded it: E.164 digits or a group id. */
  readonly to: string;
  /**
   * Who that is, when the recipient is part of this story's directory, or a WhatsApp group of the
   * customer service's directory the story did not create (looked up by chat id with ListGroups;
   * absent when that lookup fails).
   */
  readonly recipient?: RecipientInfo;
  readonly text: string;
  /** The provider's message id. */
  readonly providerMessageId: string;
  /** When the simulator accepted it (ISO-8601). */
  readonly at: string;
  /** The gateway's delivery (ListDeliveries, matched on the provider message id), when found. */
  readonly delivery?: {
    readonly id: string;
    readonly status: string;
    readonly templateKey: string;
    readonly failover: boolean;
    readonly attemptCount: number;
    /** Delivery.trace_id ('' when tracing was off). */
    readonly traceId: string;
  };
  /**
   * Trace id of the send: the delivery's own (Delivery.trace_id: the trace that made it — the
   * scenario's gRPC call continued through the outbox, NATS and the gateway, the technician
   * reply's AssignTicket, the SLA job's run — which the send joins up to the provider request).
   * When the delivery is not found or has none (tracing off), the trace the scenario started for
   * the call that caused the message, if any.
   */
  readonly traceId?: string;
  /** Why there is no trace id, when there is none. */
  readonly traceNote?: string;
}

/** Trace attribution of a step's messages: one trace id, or per message. */
type TraceOf = string | { readonly traceId?: string; readonly note: string } | ((m: SimMessageView) => string | undefined);

/** What one step did. */
export interface StepResult {
  readonly step: number;
  readonly title: string;
  /** Every message the simulators accepted during the step, in acceptance order. */
  readonly messages: ScenarioMessage[];
  /** What happened, one sentence each (ticket numbers, statuses, stats). */
  readonly notes: string[];
  /** Set when the step could not be played (why). */
  readonly skipped?: string;
}

/** The directory built in step 1. */
export interface ScenarioDirectory {
  readonly customer: customerv1.Customer;
  readonly technicians: { readonly karawang: customerv1.Staff[]; readonly bekasi: customerv1.Staff[] };
  readonly groups: { readonly karawang: customerv1.Group; readonly bekasi: customerv1.Group };
  readonly supervisor: customerv1.Staff;
}

/** Everything the scenario did. */
export interface ScenarioResult {
  readonly runId: string;
  readonly directory: ScenarioDirectory;
  readonly steps: StepResult[];
  /** Tickets by story role, as last read (absent when their step was not played). */
  readonly tickets: {
    /** Step 2's ticket, after step 3 (COMPLETED) when step 3 was played. */
    readonly gangguan?: ticketv1.Ticket;
    readonly psb?: ticketv1.Ticket;
    readonly failover?: ticketv1.Ticket;
    readonly urgent?: ticketv1.Ticket;
  };
  /** The second customer (step 4). */
  readonly newCustomer?: customerv1.Customer;
  /** Trace ids of the calls the scenario started, by purpose (`registerCustomer`, `activateCustomer`, `createGangguan`, `registerPsb`, `createDuringOutage`, `createUrgent`, `triggerSla`). */
  readonly traces: Readonly<Record<string, string>>;
  /** GetStats before and after the Fonnte outage (step 5). */
  readonly stats?: { readonly before: gatewayv1.GetStatsResponse; readonly after: gatewayv1.GetStatsResponse };
}

/** The story role of a ticket in {@link ScenarioResult.tickets}: `gangguan` (step 2), `psb` (4), `failover` (5), `urgent` (6). */
export type TicketRole = keyof ScenarioResult['tickets'];

/** A step's expected message: to whom, which first line (and text it must contain, e.g. this run's ticket number). */
interface Expectation {
  readonly to: string;
  readonly headline: string;
  readonly label: string;
  readonly contains?: string;
}

/** Thrown when a step's expectations are not met in time; says what arrived instead. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

type Clients = {
  ticket: ticketv1.TicketServiceClient;
  customer: customerv1.CustomerServiceClient;
  scheduler: schedulerv1.SchedulerServiceClient;
  gateway: gatewayv1.NotificationServiceClient;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh W3C `traceparent` (sampled) and its trace id. */
export function newTraceparent(): { traceparent: string; traceId: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, traceId };
}

/** The gateway's default RECIPIENT_RATE_WINDOW_MS (services/gateway/src/config.ts), assumed when the stack's is unknown. */
const GATEWAY_DEFAULT_RATE_WINDOW_MS = 3_600_000;

/** How a delivery shows the rate limit held it back: see {@link rateLimitHold}. */
export interface RateLimitHold {
  /** When the slot frees (the delivery's deferred_until). */
  readonly until: Date;
  /** The window that matched. */
  readonly windowMs: number;
  /** Messages to the recipient sent (or being sent) within the window when it was held. */
  readonly sentInWindow: number;
}

/**
 * Whether `held` (a DEFERRED delivery) was held back by the gateway's per-recipient rate limit:
 * the gateway records why it deferred a delivery (proto `deferred_reason`: `recipient rate
 * limit`, or `quiet hours`). `others`: the deliveries to the same recipient (ListDeliveries),
 * to count those sent within the window before `deferred_until` (the slot frees one window
 * after the earliest of them, services/gateway/src/domain/send-policy.ts rateLimitDeferral).
 * `windowMs`: the stack's RECIPIENT_RATE_WINDOW_MS. Pure; exported for its unit test.
 */
export function rateLimitHold(held: gatewayv1.Delivery, others: readonly gatewayv1.Delivery[], windowMs: number): RateLimitHold | undefined {
  if (held.status !== gatewayv1.DeliveryStatus.DELIVERY_STATUS_DEFERRED || !held.deferredUntil) return undefined;
  if (held.deferredReason !== RATE_LIMIT_REASON) return undefined;
  const windowStart = held.deferredUntil.getTime() - windowMs - 1;
  const slack = 2; // ms: timestamps cross Postgres (µs) and protobuf (ns) on their way here
  const sentInWindow = others.filter((o) => o.id !== held.id && o.sentAt && o.sentAt.getTime() >= windowStart - slack).length;
  return { until: held.deferredUntil, windowMs, sentInWindow: Math.max(sentInWindow, 1) };
}

/** The gateway's deferral reason of the rate limit (services/gateway/src/application/dispatcher.ts gate). */
const RATE_LIMIT_REASON = 'recipient rate limit';
/** The gateway's deferral reason of quiet hours (the same gate). */
const QUIET_HOURS_REASON = 'quiet hours';

/**
 * The line that fails a step at once when one of its messages is held by its recipient's quiet
 * hours (`held`: its DEFERRED delivery): who, until when (WIB), and how to lift them for the demo.
 */
export function quietHoursMessage(step: number, label: string, who: string, phone: string, held: gatewayv1.Delivery): string {
  const kind = held.recipientKind === commonv1.RecipientKind.RECIPIENT_KIND_STAFF ? 'staff' : 'customers';
  return (
    `step ${step}: ${label} (${who}) is held by the recipient's quiet hours: delivery ${held.id} is DEFERRED until ${formatWib(held.deferredUntil!)}. ` +
    `The demo's people should have none: npx notifyctl ${kind} preferences ${phone} --quiet none, then run the demo again.`
  );
}

/** `3600000` → `1 h`. */
function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** A valid Indonesian mobile number (Telkomsel 0812 + 8 digits), random. */
function randomPhone(): string {
  const digits = Array.from(randomBytes(8), (b) => String(b % 10)).join('');
  return `0812${digits}`;
}

/** `0812…` → `62812…` (the form providers and deliveries use). */
function e164(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.startsWith('0') ? `62${digits.slice(1)}` : digits;
}

/** Whether `t` is step 2's ticket of a demo run (see {@link DEMO_GANGGUAN}): the one the demo may cancel. Exported for its unit test. */
export function isDemoGangguan(t: ticketv1.Ticket, seedCustomerId: string): boolean {
  return (
    t.customerId === seedCustomerId &&
    t.type === ticketv1.TicketType.TICKET_TYPE_DISTURBANCE &&
    t.workZone === 'karawang' &&
    t.title === DEMO_GANGGUAN.title &&
    t.description === DEMO_GANGGUAN.description
  );
}

/** Whether `to` is a WhatsApp group's chat id (`120363…@g.us`, or the legacy `<phone>-<epoch>@g.us`), not a phone. */
function isGroupChatId(to: string): boolean {
  return to.endsWith('@g.us');
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

/**
 * Plays the six steps in order and returns what happened. Throws {@link ScenarioError} naming
 * the step, what was expected (with the routing rules to check, {@link stillMissingReport}) and
 * what arrived when a step's messages do not arrive within `stepTimeoutMs`; gRPC errors propagate
 * as @notify/errors domain errors. The tickets created before a failure are reported through
 * `options.onTicket`. Closes its clients.
 */
export async function playScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const run = new ScenarioRun(options);
  try {
    return await run.play();
  } finally {
    run.close();
  }
}

/**
 * Cancels the tickets a run left unfinished (OPEN, ASSIGNED or IN_PROGRESS): after a whole story
 * step 4's installation and step 5's and step 6's disturbances (step 2's is COMPLETED by step 3);
 * after a failed step, also step 2's GANGGUAN ticket when step 3 did not complete it. So they do
 * not go on raising SLA warnings and escalations after the demo (QA: every run left four more
 * OPEN tickets in Bekasi, an URGENT one with its deadline moved 50 minutes ahead; a failed run
 * left its GGN-… OPEN). `result.tickets`: the run's tickets, any of them absent. Their customers
 * and offered technicians are told, as for any cancellation (in the simulators). Resolves with
 * the numbers cancelled, in the order gangguan, psb, failover, urgent; a ticket that is finished
 * or moved on meanwhile (taken, done) is left alone. Errors of the ticket service propagate.
 */
export async function closeOpenDemoTickets(options: Pick<ScenarioOptions, 'addresses' | 'apiKey'>, result: Pick<ScenarioResult, 'tickets'>): Promise<string[]> {
  const client = createClient(ticketv1.TicketServiceClient, options.addresses.ticket, { apiKey: options.apiKey, deadlineMs: 10_000 });
  const S = ticketv1.TicketStatus;
  const closed: string[] = [];
  try {
    for (const t of [result.tickets.gangguan, result.tickets.psb, result.tickets.failover, result.tickets.urgent]) {
      if (!t) continue;
      // A ticket this stack does not know (another stack's run, kept in the same data folder) is skipped.
      const now = await callUnary(client, 'getTicket', { id: t.id }).then((r) => r.ticket, (err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
      if (!now || ![S.TICKET_STATUS_OPEN, S.TICKET_STATUS_ASSIGNED, S.TICKET_STATUS_IN_PROGRESS].includes(now.status)) continue;
      await callUnary(client, 'cancelTicket', { ticketId: t.id, reason: 'Demo selesai: tiket percobaan ditutup', expectedVersion: now.version, actor: undefined })
        .then(() => closed.push(t.number), (err: unknown) => {
          // Moved on between the read and the cancel: theirs stands.
          if (!(err instanceof ConflictError || err instanceof FailedPreconditionError)) throw err;
        });
    }
  } finally {
    client.close();
  }
  return closed;
}

class ScenarioRun {
  private readonly clients: Clients;
  private readonly fonnte: SimControl;
  private readonly wablas: SimControl;
  private readonly sims: SimControl[];
  private readonly runId: string;
  private readonly stepTimeoutMs: number;
  private readonly settleMs: number;
  private readonly log: (line: string) => void;
  private readonly seen = new Set<string>();
  private readonly who = new Map<string, RecipientInfo>();
  private readonly traces: Record<string, string> = {};
  private readonly steps: StepResult[] = [];
  /** When the simulators' messages were last all marked seen: the deliveries made after it are the current step's. */
  private collectedAt = new Date();

  constructor(private readonly options: ScenarioOptions) {
    const common = { apiKey: options.apiKey, deadlineMs: 10_000 };
    this.clients = {
      ticket: createClient(ticketv1.TicketServiceClient, options.addresses.ticket, common),
      customer: createClient(customerv1.CustomerServiceClient, options.addresses.customer, common),
      scheduler: createClient(schedulerv1.SchedulerServiceClient, options.addresses.scheduler, common),
      gateway: createClient(gatewayv1.NotificationServiceClient, options.addresses.gateway, common),
    };
    this.fonnte = new SimControl('fonnte', options.sims.fonnte);
    this.wablas = new SimControl('wablas', options.sims.wablas);
    this.sims = [this.fonnte, this.wablas];
    if (options.sims.twilio) this.sims.push(new SimControl('twilio', options.sims.twilio));
    if (options.sims.advanta) this.sims.push(new SimControl('advanta', options.sims.advanta));
    this.runId = options.runId ?? randomBytes(3).toString('hex');
    this.stepTimeoutMs = options.stepTimeoutMs ?? 30_000;
    this.settleMs = options.settleMs ?? 750;
    this.log = options.log ?? (() => undefined);
  }

  close(): void {
    for (const c of Object.values(this.clients)) (c as grpc.Client).close();
  }

  async play(): Promise<ScenarioResult> {
    const last = this.options.lastStep ?? 6;
    await this.preflight();
    const directory = await this.stepDirectory();
    const result: { -readonly [K in keyof ScenarioResult]: ScenarioResult[K] } = { runId: this.runId, directory, steps: this.steps, tickets: {}, traces: this.traces };
    const tickets: { -readonly [K in keyof ScenarioResult['tickets']]: ScenarioResult['tickets'][K] } = {};
    result.tickets = tickets;
    if (last >= 2) tickets.gangguan = await this.stepGangguanCreated(directory);
    if (last >= 3) tickets.gangguan = await this.stepTechnicianReplies(directory, tickets.gangguan!);
    if (last >= 4) {
      const { psb, newCustomer } = await this.stepPsbRegistration(directory);
      tickets.psb = psb;
      result.newCustomer = newCustomer;
    }
    if (last >= 5) {
      const { ticket, before, after } = await this.stepFonnteDown(result.newCustomer!);
      tickets.failover = ticket;
      result.stats = { before, after };
    }
    if (last >= 6) tickets.urgent = await this.stepSlaWarning(directory, result.newCustomer!);
    return result;
  }

  // ── steps ─────────────────────────────────────────────────────────────────────

  /**
   * The gateway's webhook server answers, and the simulators' control APIs; forgets nothing. A
   * simulator is waited for as long as step 5's outage lasts (plus 10 s): an interrupted run may
   * have left Fonnte down until its fault expires.
   */
  private async preflight(): Promise<void> {
    const health = `${this.options.webhookUrl.replace(/\/+$/, '')}/healthz`;
    const res = await fetch(health, { signal: AbortSignal.timeout(5000) }).catch((err: unknown) => {
      throw new ScenarioError(`the gateway's webhook server at ${health} does not answer (${(err as Error).message})`);
    });
    if (!res.ok) throw new ScenarioError(`the gateway's webhook server at ${health} answered HTTP ${res.status}`);
    for (const sim of this.sims) {
      if (await sim.reachable()) continue;
      this.log(`waiting for the ${sim.provider} simulator at ${sim.baseUrl} (an outage an interrupted run started lasts until its fault expires)`);
      if (!(await sim.waitReachable((this.options.fonnteDownMs ?? 15_000) + 10_000))) {
        throw new ScenarioError(`the ${sim.provider} simulator at ${sim.baseUrl} does not answer its control API`);
      }
    }
    await this.markSeen();
  }

  /** Step 1: customer (look up first), technicians, zone groups (look up first), supervisor. */
  private async stepDirectory(): Promise<ScenarioDirectory> {
    const title = 'Directory: the customer, technicians in Karawang and Bekasi, their zone groups, a supervisor';
    this.log(`step 1: ${title}`);
    const notes: string[] = [];
    const expect: Expectation[] = [];
    let customer: customerv1.Customer;
    try {
      customer = (await callUnary(this.clients.customer, 'getCustomer', { id: '', phone: SEED_CUSTOMER_PHONE, includeOptOuts: false })).customer!;
      notes.push(`customer ${customer.name} (${SEED_CUSTOMER_PHONE}) already registered: ${customer.id}`);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      const { traceparent, traceId } = newTraceparent();
      this.traces['registerCustomer'] = traceId;
      customer = (
        await callUnary(this.clients.customer, 'registerCustomer', {
          name: 'Budi Santoso',
          phone: SEED_CUSTOMER_PHONE,
          address: 'Jl. Tuparev No. 45, Karawang Barat',
          workZone: 'karawang',
          packageName: 'Home 50 Mbps',
          wantsInstallation: false,
          locale: commonv1.Locale.LOCALE_ID,
          actor: undefined,
        }, { metadata: traceMetadata(traceparent) })
      ).customer!;
      notes.push(`customer ${customer.name} registered (${SEED_CUSTOMER_PHONE} → ${customer.phone})`);
      expect.push({ to: customer.phone, headline: HEADLINES.registrationConfirmation, label: 'registration confirmation to the customer' });
    }
    if (customer.status !== customerv1.CustomerStatus.CUSTOMER_STATUS_ACTIVE) {
      const { traceparent, traceId } = newTraceparent();
      this.traces['activateCustomer'] = traceId;
      customer = (await callUnary(this.clients.customer, 'activateCustomer', { customerId: customer.id, actor: undefined }, { metadata: traceMetadata(traceparent) })).customer!;
      notes.push(`customer activated`);
      expect.push({ to: customer.phone, headline: HEADLINES.welcome, label: 'welcome message to the customer' });
    }
    this.who.set(customer.phone, { role: 'customer', name: customer.name });

    const known = await this.listAllStaff();
    // Every staff member by name, so nobody in a zone shows up unnamed (staff the story did not create included).
    for (const s of known) {
      const role = s.role === commonv1.Role.ROLE_SUPERVISOR ? 'supervisor' : 'technician';
      this.who.set(s.phone, { role, name: s.name, ...(s.workZones.length === 1 ? { zone: s.workZones[0]! } : {}) });
    }
    const done = { reused: [] as string[], created: [] as string[], repaired: [] as string[], retired: [] as string[] };
    const staff = async (name: string, phone: string, role: commonv1.Role, zones: string[], info: RecipientInfo): Promise<customerv1.Staff> => {
      const s = await this.ensureStaff(known, { name, phone, role, zones }, done);
      this.who.set(s.phone, info);
      return s;
    };
    const T = commonv1.Role.ROLE_TECHNICIAN;
    const karawang: customerv1.Staff[] = [];
    for (const t of DEMO_STAFF.karawang) karawang.push(await staff(t.name, t.phone, T, ['karawang'], { role: 'technician', name: t.name, zone: 'karawang' }));
    const bekasi: customerv1.Staff[] = [];
    for (const t of DEMO_STAFF.bekasi) bekasi.push(await staff(t.name, t.phone, T, ['bekasi'], { role: 'technician', name: t.name, zone: 'bekasi' }));
    const sv = DEMO_STAFF.supervisor;
    const supervisor = await staff(sv.name, sv.phone, commonv1.Role.ROLE_SUPERVISOR, [], { role: 'supervisor', name: sv.name });
    notes.push(`technicians: Karawang ${karawang.map((s) => s.name).join(', ')}; Bekasi ${bekasi.map((s) => s.name).join(', ')}; supervisor ${supervisor.name}`);
    if (done.reused.length > 0) notes.push(`already in the directory: ${done.reused.join(', ')}`);
    if (done.created.length > 0) notes.push(`created: ${done.created.join(', ')}`);
    if (done.repaired.length > 0) notes.push(`set back to the story's name, role, zones and active: ${done.repaired.join(', ')}`);
    if (done.retired.length > 0) notes.push(`deactivated ${done.retired.length} duplicate(s) an earlier demo created with other phones: ${done.retired.join(', ')}`);

    const groups = { karawang: await this.zoneGroup('karawang', notes), bekasi: await this.zoneGroup('bekasi', notes) };
    const byHeadline: Record<string, string | undefined> = {
      [HEADLINES.registrationConfirmation]: this.traces['registerCustomer'],
      [HEADLINES.welcome]: this.traces['activateCustomer'],
    };
    const messages = await this.collect(1, expect, [], (m) => byHeadline[firstLine(m.text)]);
    this.finish({ step: 1, title, messages, notes });
    return { customer, technicians: { karawang, bekasi }, groups, supervisor };
  }

  /** Every technician and supervisor of the directory, active or not (all pages of ListStaff). */
  private async listAllStaff(): Promise<customerv1.Staff[]> {
    const all: customerv1.Staff[] = [];
    let pageToken = '';
    do {
      const res = await callUnary(
        this.clients.customer,
        'listStaff',
        customerv1.ListStaffRequest.fromPartial({ roles: [commonv1.Role.ROLE_TECHNICIAN, commonv1.Role.ROLE_SUPERVISOR], page: { pageSize: 500, pageToken } }),
      );
      all.push(...res.staff);
      pageToken = res.nextPageToken;
    } while (pageToken);
    return all;
  }

  /**
   * One staff member of DEMO_STAFF: the one with its phone, else (a directory of an earlier
   * demo version) the oldest active one with its name, role and zones; created with its phone
   * when there is neither. Set back (UpdateStaff) when found inactive or changed. Other ACTIVE
   * staff with the same name, role and zones are earlier runs' duplicates (random phones) and
   * are deactivated.
   */
  private async ensureStaff(
    known: customerv1.Staff[],
    want: { name: string; phone: string; role: commonv1.Role; zones: string[] },
    done: { reused: string[]; created: string[]; repaired: string[]; retired: string[] },
  ): Promise<customerv1.Staff> {
    const zonesKey = (zones: readonly string[]) => [...zones].sort().join(',');
    const same = (s: customerv1.Staff) => s.name === want.name && s.role === want.role && zonesKey(s.workZones) === zonesKey(want.zones);
    const oldestFirst = (a: customerv1.Staff, b: customerv1.Staff) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0);
    let found = known.find((s) => s.phone === e164(want.phone)) ?? known.filter((s) => s.active && same(s)).sort(oldestFirst)[0];
    if (!found) {
      found = (await callUnary(this.clients.customer, 'createStaff', { name: want.name, phone: want.phone, role: want.role, workZones: want.zones })).staff!;
      known.push(found);
      done.created.push(`${found.name} ${found.phone}`);
    } else if (!found.active || !same(found)) {
      found = (
        await callUnary(this.clients.customer, 'updateStaff', {
          staff: { ...found, name: want.name, role: want.role, workZones: want.zones, active: true },
          updateMask: ['name', 'role', 'work_zones', 'active'],
        })
      ).staff!;
      done.repaired.push(`${found.name} ${found.phone}`);
    } else {
      done.reused.push(`${found.name} ${found.phone}`);
    }
    for (const dup of known.filter((s) => s.id !== found.id && s.active && same(s))) {
      await callUnary(this.clients.customer, 'updateStaff', { staff: { ...dup, active: false }, updateMask: ['active'] });
      dup.active = false;
      done.retired.push(`${dup.name} ${dup.phone}`);
    }
    return found;
  }

  /**
   * The zone's technician group `Teknisi <Zone>` (group names are unique): the existing one,
   * reactivated (and put back in its zone and category) when needed, else a new one with the
   * zone's fixed chat id (DEMO_GROUP_CHAT_IDS).
   */
  private async zoneGroup(zone: 'karawang' | 'bekasi', notes: string[]): Promise<customerv1.Group> {
    const name = `Teknisi ${zone[0]!.toUpperCase()}${zone.slice(1)}`;
    const TECHNICIANS = customerv1.GroupCategory.GROUP_CATEGORY_TECHNICIANS;
    let group: customerv1.Group | undefined;
    let pageToken = '';
    do {
      const listed = await callUnary(this.clients.customer, 'listGroups', customerv1.ListGroupsRequest.fromPartial({ page: { pageSize: 500, pageToken } }));
      group = listed.groups.find((g) => g.name === name);
      pageToken = group ? '' : listed.nextPageToken;
    } while (pageToken);
    if (group && group.active && group.workZone === zone && group.category === TECHNICIANS) {
      notes.push(`group ${name} exists (${group.chatId})`);
    } else if (group) {
      group = (
        await callUnary(this.clients.customer, 'updateGroup', {
          group: { ...group, workZone: zone, category: TECHNICIANS, active: true },
          updateMask: ['work_zone', 'category', 'active'],
        })
      ).group!;
      notes.push(`group ${name} set back to active in ${zone} (${group.chatId})`);
    } else {
      group = (
        await callUnary(this.clients.customer, 'createGroup', {
          name,
          chatId: DEMO_GROUP_CHAT_IDS[zone],
          category: TECHNICIANS,
          workZone: zone,
          notificationTypes: [],
        })
      ).group!;
      notes.push(`group ${name} created (${group.chatId})`);
    }
    this.who.set(group.chatId, { role: 'group', name: group.name, zone });
    return group;
  }

  /** Step 2: the admin's GANGGUAN ticket; customer + Karawang's technicians and group, not Bekasi's. */
  private async stepGangguanCreated(d: ScenarioDirectory): Promise<ticketv1.Ticket> {
    const title = 'An admin creates a GANGGUAN ticket in Karawang';
    this.log(`step 2: ${title}`);
    const notes = await this.cancelStaleKarawangTickets(d.customer);
    const ticket = await this.createTicket('createGangguan', {
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
      customerId: d.customer.id,
      title: DEMO_GANGGUAN.title,
      description: DEMO_GANGGUAN.description,
      address: d.customer.address,
      priority: commonv1.Priority.PRIORITY_NORMAL,
      workZone: 'karawang',
      requestId: `demo:${this.runId}:gangguan`,
      actor: undefined,
    });
    this.opened('gangguan', ticket);
    // Matched on this ticket's number: the directory is the same on every run, so a message of
    // an earlier run arriving now (e.g. released by a rate limit) neither counts nor fails the step.
    const about = ticket.number;
    const expect: Expectation[] = [
      { to: d.customer.phone, headline: HEADLINES.gangguanCreated, label: 'TIKET GANGGUAN DITERIMA to the customer', contains: about },
      ...d.technicians.karawang.map((t) => ({ to: t.phone, headline: HEADLINES.jobOffer, label: `job offer to ${t.name} (Karawang)`, contains: about })),
      { to: d.groups.karawang.chatId, headline: HEADLINES.jobOffer, label: `job offer to the group ${d.groups.karawang.name}`, contains: about },
    ];
    const forbidden = [...d.technicians.bekasi.map((t) => t.phone), d.groups.bekasi.chatId];
    const messages = await this.collect(2, expect, forbidden, this.traces['createGangguan'], about);
    notes.push(`ticket ${ticket.number} (${ticket.id}) OPEN, zone karawang; Bekasi's technicians and group got nothing`);
    this.finish({ step: 2, title, messages, notes });
    return ticket;
  }

  /** Step 3: a Karawang technician replies `1` three times through the Fonnte inbound webhook. */
  private async stepTechnicianReplies(d: ScenarioDirectory, created: ticketv1.Ticket): Promise<ticketv1.Ticket> {
    const title = 'A Karawang technician replies 1 (take), 1 (start), 1 (complete) on WhatsApp';
    this.log(`step 3: ${title}`);
    const tech = d.technicians.karawang[0]!;
    const S = ticketv1.TicketStatus;
    const rounds = [
      { status: S.TICKET_STATUS_ASSIGNED, headline: HEADLINES.gangguanAssigned, reply: HEADLINES.replyTaken, name: 'ASSIGNED' },
      { status: S.TICKET_STATUS_IN_PROGRESS, headline: HEADLINES.gangguanStarted, reply: HEADLINES.replyStarted, name: 'IN_PROGRESS' },
      { status: S.TICKET_STATUS_COMPLETED, headline: HEADLINES.gangguanCompleted, reply: HEADLINES.replyCompleted, name: 'COMPLETED' },
    ];
    const messages: ScenarioMessage[] = [];
    const notes: string[] = [];
    let ticket = created;
    for (const round of rounds) {
      await this.fonnte.inbound({ from: tech.phone, text: '1', name: tech.name });
      ticket = await this.waitTicket(created.id, (t) => t.status === round.status, `ticket ${created.number} ${round.name} after ${tech.name}'s reply "1"`);
      notes.push(`${tech.name} replied "1" → ticket ${ticket.number} ${round.name}${round.status === S.TICKET_STATUS_ASSIGNED ? ` (technician ${ticket.technicianId === tech.id ? tech.name : ticket.technicianId})` : ''}`);
      messages.push(
        ...(await this.collect(
          3,
          [
            { to: d.customer.phone, headline: round.headline, label: `${round.headline} to the customer`, contains: created.number },
            { to: tech.phone, headline: round.reply, label: `the reply flow's confirmation ${round.reply} to ${tech.name}`, contains: created.number },
          ],
          [],
          {
            // The reply's trace starts at the gateway's webhook (Fonnte sends no trace context); the deliveries carry it.
            note: 'the delivery has no trace id (tracing off?)',
          },
        )),
      );
    }
    if (ticket.technicianId !== tech.id) throw new ScenarioError(`step 3: ticket ${ticket.number} is assigned to ${ticket.technicianId}, not ${tech.name} (${tech.id}) who replied`);
    this.finish({ step: 3, title, messages, notes });
    return ticket;
  }

  /** Step 4: a new customer registers for installation; the PSB ticket opens by itself. */
  private async stepPsbRegistration(d: ScenarioDirectory): Promise<{ psb: ticketv1.Ticket; newCustomer: customerv1.Customer }> {
    const title = 'A new customer registers for installation (PSB ticket opened automatically)';
    this.log(`step 4: ${title}`);
    const { traceparent, traceId } = newTraceparent();
    this.traces['registerPsb'] = traceId;
    const newCustomer = (
      await callUnary(
        this.clients.customer,
        'registerCustomer',
        {
          name: 'Siti Rahmawati',
          phone: randomPhone(),
          address: 'Perum Bekasi Permai Blok C2 No. 7, Bekasi',
          workZone: 'bekasi',
          packageName: 'Home 30 Mbps',
          wantsInstallation: true,
          locale: commonv1.Locale.LOCALE_ID,
          actor: undefined,
        },
        { metadata: traceMetadata(traceparent) },
      )
    ).customer!;
    this.who.set(newCustomer.phone, { role: 'customer', name: newCustomer.name });
    const psb = await this.waitFor(
      async () =>
        (
          await callUnary(
            this.clients.ticket,
            'listTickets',
            ticketv1.ListTicketsRequest.fromPartial({ customerId: newCustomer.id, types: [ticketv1.TicketType.TICKET_TYPE_INSTALLATION], page: { pageSize: 5 } }),
          )
        ).tickets[0],
      `the PSB ticket of ${newCustomer.name}`,
    );
    this.opened('psb', psb);
    const expect: Expectation[] = [
      { to: newCustomer.phone, headline: HEADLINES.psbCreated, label: 'TIKET PSB DITERIMA to the new customer' },
      { to: newCustomer.phone, headline: HEADLINES.registrationConfirmation, label: 'registration confirmation to the new customer' },
      ...d.technicians.bekasi.map((t) => ({ to: t.phone, headline: HEADLINES.jobOffer, label: `job offer to ${t.name} (Bekasi)`, contains: psb.number })),
    ];
    const messages = await this.collect(4, expect, [], traceId);
    this.finish({
      step: 4,
      title,
      messages,
      notes: [`${newCustomer.name} registered (${newCustomer.phone}, bekasi, wants installation) → ticket ${psb.number} opened by the ticket service`],
    });
    return { psb, newCustomer };
  }

  /**
   * Step 5: Fonnte down; the next ticket's messages (a GANGGUAN ticket of step 4's customer, in
   * Bekasi so no OPEN Karawang ticket is left for a later run's "1") go through Wablas; GetStats
   * counts the failovers.
   */
  private async stepFonnteDown(customer: customerv1.Customer): Promise<{ ticket: ticketv1.Ticket; before: gatewayv1.GetStatsResponse; after: gatewayv1.GetStatsResponse }> {
    const title = 'Fonnte goes down: the next messages go through Wablas';
    this.log(`step 5: ${title}`);
    const since = new Date(Date.now() - 24 * 3_600_000);
    const before = await callUnary(this.clients.gateway, 'getStats', gatewayv1.GetStatsRequest.fromPartial({ since }));
    const outage = this.options.faults ?? this.httpOutage();
    await outage.down();
    let ticket: ticketv1.Ticket;
    let messages: ScenarioMessage[];
    try {
      ticket = await this.createTicket('createDuringOutage', {
        type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
        customerId: customer.id,
        title: 'Internet lambat',
        description: 'Koneksi lambat dan sering putus',
        address: customer.address,
        priority: commonv1.Priority.PRIORITY_HIGH,
        workZone: 'bekasi',
        requestId: `demo:${this.runId}:outage`,
        actor: undefined,
      });
      this.opened('failover', ticket);
      messages = await this.collect(5, [{ to: customer.phone, headline: HEADLINES.gangguanCreated, label: 'TIKET GANGGUAN DITERIMA to the customer (via Wablas)' }], [], this.traces['createDuringOutage']);
    } finally {
      await outage.up();
    }
    const viaFonnte = messages.filter((m) => m.provider === 'fonnte');
    if (viaFonnte.length > 0) throw new ScenarioError(`step 5: Fonnte was down but accepted ${viaFonnte.length} message(s)`);
    const after = await this.waitFor(async () => {
      const s = await callUnary(this.clients.gateway, 'getStats', gatewayv1.GetStatsRequest.fromPartial({ since }));
      return s.failovers > before.failovers ? s : undefined;
    }, 'GetStats to count the failovers');
    const fonnteStats = after.byProvider.find((p) => p.provider === gatewayv1.Provider.PROVIDER_FONNTE);
    const wablasStats = after.byProvider.find((p) => p.provider === gatewayv1.Provider.PROVIDER_WABLAS);
    this.finish({
      step: 5,
      title,
      messages,
      notes: [
        `Fonnte refused connections; ticket ${ticket.number} created`,
        `GetStats: failovers ${before.failovers} → ${after.failovers}; Fonnte attempts ${fonnteStats?.attempts ?? 0} (failed ${fonnteStats?.failed ?? 0}), Wablas attempts ${wablasStats?.attempts ?? 0} (accepted ${wablasStats?.accepted ?? 0})`,
        'Fonnte is back (fault cleared)',
      ],
    });
    return { ticket, before, after };
  }

  /** Step 6: an URGENT ticket (step 4's customer, Bekasi) near its deadline; TriggerJob sla_monitor warns the supervisor. */
  private async stepSlaWarning(d: ScenarioDirectory, customer: customerv1.Customer): Promise<ticketv1.Ticket> {
    const title = 'An urgent ticket nears its SLA: the SLA monitor (triggered by hand) warns the supervisor';
    this.log(`step 6: ${title}`);
    const ticket = await this.createTicket('createUrgent', {
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
      customerId: customer.id,
      title: 'Internet mati total',
      description: 'Seluruh layanan mati, pelanggan bisnis',
      address: customer.address,
      priority: commonv1.Priority.PRIORITY_URGENT,
      workZone: 'bekasi',
      requestId: `demo:${this.runId}:urgent`,
      actor: undefined,
    });
    this.opened('urgent', ticket);
    const notes = [`URGENT ticket ${ticket.number} created, SLA due ${ticket.slaDueAt ? formatWib(ticket.slaDueAt) : 'unknown'} (4 h; warned 1 h before)`];
    const messages = await this.collect(6, [{ to: customer.phone, headline: HEADLINES.gangguanCreated, label: 'TIKET GANGGUAN DITERIMA to the customer' }], [], this.traces['createUrgent']);
    if (!this.options.nearSla) {
      const run = await this.triggerSlaMonitor();
      notes.push(`sla_monitor run ${run.id} triggered; no warning is due yet (the deadline is 4 h away and no public API moves a service's clock)`);
      this.finish({ step: 6, title, messages, notes, skipped: 'no way to bring the ticket within its SLA warning threshold through the public APIs (see ScenarioOptions.nearSla)' });
      return ticket;
    }
    notes.push(await this.options.nearSla(ticket));
    const { traceparent, traceId } = newTraceparent();
    this.traces['triggerSla'] = traceId;
    const run = await this.triggerSlaMonitor(traceparent);
    notes.push(`TriggerJob trace ${traceId} (ends when the run is queued; the job's own trace carries the warning)`);
    notes.push(`sla_monitor run ${run.id} triggered by hand`);
    // The warning's trace is the job run's (it runs later from the scheduler's queue, pg-boss, so
    // its trace starts there, not at TriggerJob): the delivery carries it (Delivery.trace_id).
    messages.push(
      ...(await this.collect(6, [{ to: d.supervisor.phone, headline: HEADLINES.slaWarning, label: `SLA WARNING to the supervisor ${d.supervisor.name}`, contains: ticket.number }], [], {
        note: 'the delivery has no trace id (tracing off?)',
      })),
    );
    // collect() waited for a warning naming this ticket (an earlier run's warning does not count).
    this.finish({ step: 6, title, messages, notes });
    return ticket;
  }

  // ── helpers ───────────────────────────────────────────────────────────────────

  /**
   * A technician's "1" answers the latest job message sent to them, and falls back to the OLDEST
   * open job of their zones when there is none (gateway reply rules), so an OPEN Karawang ticket
   * left by an earlier, interrupted run of the demo could be taken instead of this run's: cancel
   * those first (the seeds' customer gets the cancellation message). Only the demo's own: an OPEN
   * GANGGUAN ticket in Karawang of the seeds' `customer` with exactly {@link DEMO_GANGGUAN}'s
   * title and description. Every other ticket — an operator's, even for the same customer — is
   * left alone (this run's "1" answers this run's job offer anyway). A fresh stack has none.
   */
  private async cancelStaleKarawangTickets(customer: customerv1.Customer): Promise<string[]> {
    const stale: ticketv1.Ticket[] = [];
    let pageToken = '';
    do {
      const page = await callUnary(
        this.clients.ticket,
        'listTickets',
        ticketv1.ListTicketsRequest.fromPartial({
          // Unfinished, not only OPEN: a run that failed after step 3's "1" leaves its ticket ASSIGNED (QA).
          statuses: [ticketv1.TicketStatus.TICKET_STATUS_OPEN, ticketv1.TicketStatus.TICKET_STATUS_ASSIGNED, ticketv1.TicketStatus.TICKET_STATUS_IN_PROGRESS],
          types: [ticketv1.TicketType.TICKET_TYPE_DISTURBANCE],
          workZone: 'karawang',
          customerId: customer.id,
          page: { pageSize: 500, pageToken },
        }),
      );
      stale.push(...page.tickets.filter((t) => isDemoGangguan(t, customer.id)));
      pageToken = page.nextPageToken;
    } while (pageToken);
    for (const t of stale) {
      await callUnary(this.clients.ticket, 'cancelTicket', { ticketId: t.id, reason: 'Dibatalkan oleh demo: tiket dari percobaan sebelumnya', expectedVersion: 0, actor: undefined });
    }
    if (stale.length === 0) return [];
    await sleep(this.settleMs);
    await this.markSeen();
    return [
      `cancelled ${stale.length} unfinished ticket(s) an earlier demo run left (${stale.map((t) => t.number).join(', ')}: the seeds' customer, "${DEMO_GANGGUAN.title}"), so the technician's "1" takes this run's ticket`,
    ];
  }

  private async triggerSlaMonitor(traceparent?: string): Promise<schedulerv1.JobRun> {
    return (
      await callUnary(this.clients.scheduler, 'triggerJob', { name: 'sla_monitor', actor: undefined }, traceparent ? { metadata: traceMetadata(traceparent) } : {})
    ).run!;
  }

  private async createTicket(purpose: string, request: ticketv1.CreateTicketRequest): Promise<ticketv1.Ticket> {
    const { traceparent, traceId } = newTraceparent();
    this.traces[purpose] = traceId;
    return (await callUnary(this.clients.ticket, 'createTicket', request, { metadata: traceMetadata(traceparent) })).ticket!;
  }

  private httpOutage(): FonnteOutage {
    const durationMs = this.options.fonnteDownMs ?? 15_000;
    return {
      down: async () => {
        const fault: SimFault = { mode: 'down', duration_ms: durationMs };
        await this.fonnte.setFault(fault);
      },
      up: async () => {
        if (!(await this.fonnte.waitReachable(durationMs + 10_000))) throw new ScenarioError('step 5: the Fonnte simulator did not come back after its outage');
      },
    };
  }

  private async waitTicket(id: string, ok: (t: ticketv1.Ticket) => boolean, what: string): Promise<ticketv1.Ticket> {
    let last: ticketv1.Ticket | undefined;
    try {
      return await this.waitFor(async () => {
        last = (await callUnary(this.clients.ticket, 'getTicket', { id })).ticket!;
        return ok(last) ? last : undefined;
      }, what);
    } catch (err) {
      throw new ScenarioError(`${(err as Error).message}; ticket is ${last ? ticketv1.TicketStatus[last.status] : 'unknown'}`);
    }
  }

  private async waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
    const until = Date.now() + this.stepTimeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch (err) {
        lastError = err;
      }
      if (Date.now() >= until) {
        throw new ScenarioError(`timed out after ${this.stepTimeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
      }
      await sleep(150);
    }
  }

  /** Marks every message the simulators hold now as seen (not part of the next step). */
  private async markSeen(): Promise<void> {
    for (const sim of this.sims) for (const m of await sim.messages()) this.seen.add(`${m.provider}:${m.id}`);
    this.collectedAt = new Date();
  }

  private async fresh(): Promise<SimMessageView[]> {
    const all: SimMessageView[] = [];
    for (const sim of this.sims) for (const m of await sim.messages().catch(() => [] as SimMessageView[])) if (!this.seen.has(`${m.provider}:${m.id}`)) all.push(m);
    return all.sort((a, b) => a.at.localeCompare(b.at));
  }

  /**
   * Waits until every expectation is met by a new message (first line = headline, to = the
   * recipient, text containing `contains` when given), keeps collecting for `settleMs`, fails when
   * a forbidden recipient got anything (about `about`, when given: a message of an earlier run
   * does not count), and returns the step's new messages (then marks them seen). Fails at once,
   * without waiting for the timeout, when the gateway's per-recipient rate limit holds back an
   * expected message (see {@link rateLimited}).
   */
  private async collect(step: number, expect: readonly Expectation[], forbidden: readonly string[], trace?: TraceOf, about?: string): Promise<ScenarioMessage[]> {
    const meets = (e: Expectation, m: SimMessageView) => m.to === e.to && firstLine(m.text) === e.headline && (!e.contains || m.text.includes(e.contains));
    const missing = (msgs: SimMessageView[]) => expect.filter((e) => !msgs.some((m) => meets(e, m)));
    const until = Date.now() + this.stepTimeoutMs;
    let msgs = await this.fresh();
    let nextHoldCheck = Date.now() + 300;
    while (missing(msgs).length > 0) {
      if (Date.now() >= until) {
        await this.nameUnknownGroups(msgs.map((m) => m.to));
        const got = msgs.map((m) => `  ${m.provider} → ${this.describe(m.to)}: ${firstLine(m.text)}`);
        const stillMissing = missing(msgs);
        const pending = await this.pendingDeliveries(stillMissing.map((e) => e.to));
        throw new ScenarioError(
          stillMissingReport(step, this.stepTimeoutMs, stillMissing.map((e) => ({ label: e.label, recipient: this.describe(e.to), headline: e.headline })), got, pending),
        );
      }
      if (Date.now() >= nextHoldCheck) {
        const held = await this.rateLimited(step, missing(msgs));
        if (held) throw new ScenarioError(held);
        nextHoldCheck = Date.now() + 1000;
      }
      await sleep(150);
      msgs = await this.fresh();
    }
    if (this.settleMs > 0) {
      await sleep(this.settleMs);
      msgs = await this.fresh();
    }
    const wrong = msgs.filter((m) => forbidden.includes(m.to) && (!about || m.text.includes(about)));
    if (wrong.length > 0) {
      throw new ScenarioError(`step ${step}: messages went to recipients that must get none:\n${wrong.map((m) => `  ${this.describe(m.to)}: ${firstLine(m.text)}`).join('\n')}`);
    }
    for (const m of msgs) this.seen.add(`${m.provider}:${m.id}`);
    this.collectedAt = new Date();
    await this.nameUnknownGroups(msgs.map((m) => m.to));
    const deliveries = await this.deliveriesFor(msgs);
    return msgs.map((m) => {
      const delivery = deliveries.get(m.id);
      const recipient = this.who.get(m.to);
      const traceId = delivery?.traceId || (typeof trace === 'function' ? trace(m) : typeof trace === 'string' ? trace : trace?.traceId);
      const traceNote = traceId ? undefined : typeof trace === 'object' ? trace.note : 'no call of this scenario caused it';
      return {
        provider: m.provider,
        to: m.to,
        ...(recipient ? { recipient } : {}),
        text: m.text,
        providerMessageId: m.id,
        at: m.at,
        ...(delivery ? { delivery } : {}),
        ...(traceId ? { traceId } : { traceNote }),
      };
    });
  }

  /**
   * One line explaining why the step cannot finish when the delivery of a `missing` message
   * (its text: the expected headline; made since the last step, after {@link collectedAt}) is
   * DEFERRED by the gateway's per-recipient rate limit ({@link rateLimitHold}) or by the
   * recipient's quiet hours ({@link quietHoursMessage}; QA: the step waited out its timeout and
   * blamed the routing rules); undefined otherwise (nothing deferred, the gateway unreachable:
   * the step keeps waiting).
   */
  private async rateLimited(step: number, missing: readonly Expectation[]): Promise<string | undefined> {
    const windowMs = this.options.rateLimit?.windowMs ?? GATEWAY_DEFAULT_RATE_WINDOW_MS;
    const from = new Date(this.collectedAt.getTime() - 2000);
    for (const e of missing) {
      try {
        const recent = await callUnary(
          this.clients.gateway,
          'listDeliveries',
          gatewayv1.ListDeliveriesRequest.fromPartial({ recipient: e.to, status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_DEFERRED, created: { from }, page: { pageSize: 20 } }),
        );
        // The expected message itself (its text is on the delivery), not another one to the same number.
        const expected = recent.deliveries.filter((d) => firstLine(d.body) === e.headline && (!e.contains || d.body.includes(e.contains)));
        if (expected.length === 0) continue;
        const history = await callUnary(this.clients.gateway, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ recipient: e.to, page: { pageSize: 200 } }));
        for (const d of expected) {
          const hold = rateLimitHold(d, history.deliveries, windowMs);
          if (hold) return this.rateLimitMessage(step, e, d, hold);
          if (d.deferredReason === QUIET_HOURS_REASON && d.deferredUntil) return quietHoursMessage(step, e.label, this.describe(e.to), e.to, d);
        }
      } catch {
        // ListDeliveries unavailable: keep waiting; the timeout's report says what is known.
      }
    }
    return undefined;
  }

  private rateLimitMessage(step: number, e: Expectation, d: gatewayv1.Delivery, hold: RateLimitHold): string {
    const limit = this.options.rateLimit;
    const inMin = Math.max(1, Math.ceil((hold.until.getTime() - Date.now()) / 60_000));
    const rule = limit
      ? `RECIPIENT_RATE_LIMIT=${limit.perRecipient} per ${formatDuration(limit.windowMs)}`
      : `the gateway's RECIPIENT_RATE_LIMIT, default 10 per ${formatDuration(GATEWAY_DEFAULT_RATE_WINDOW_MS)}`;
    return (
      `step ${step}: the gateway's per-recipient rate limit holds back ${e.label} (${this.describe(e.to)}): ` +
      `that number already got ${hold.sentInWindow} message(s) within ${formatDuration(hold.windowMs)} (${rule}), so delivery ${d.id} is DEFERRED ` +
      `until ${formatWib(hold.until)} (in ${inMin} min). The demo replays the same numbers on every run: ` +
      `restart the stack with RECIPIENT_RATE_LIMIT=0 (what npm start chooses when it is unset), or wait until then.`
    );
  }

  /**
   * Names the WhatsApp groups among `recipients` (chat ids `…@g.us`) the story did not register
   * (the zone groups are known from step 1): one ListGroups walk (all pages, 3 s per call) puts
   * every group the customer service has into {@link who}, so the phone box shows
   * `WhatsApp to group <name> (<chat id>)`. Best effort: when the lookup fails or the group is not
   * in the directory the chat id stays as it is; never throws.
   */
  private async nameUnknownGroups(recipients: readonly string[]): Promise<void> {
    if (!recipients.some((to) => isGroupChatId(to) && !this.who.has(to))) return;
    try {
      let pageToken = '';
      let pages = 0;
      do {
        const res = await callUnary(
          this.clients.customer,
          'listGroups',
          customerv1.ListGroupsRequest.fromPartial({ page: { pageSize: 500, pageToken } }),
          { deadline: Date.now() + 3000 },
        );
        for (const g of res.groups) {
          if (!this.who.has(g.chatId)) this.who.set(g.chatId, { role: 'group', name: g.name, ...(g.workZone ? { zone: g.workZone } : {}) });
        }
        pageToken = res.nextPageToken;
      } while (pageToken && ++pages < 20);
    } catch {
      // ListGroups unavailable: the chat id is shown as it is.
    }
  }

  /** The gateway's deliveries of these messages, by provider message id (best effort: the step's messages still count without them). */
  private async deliveriesFor(msgs: SimMessageView[]): Promise<Map<string, NonNullable<ScenarioMessage['delivery']>>> {
    const out = new Map<string, NonNullable<ScenarioMessage['delivery']>>();
    const recipients = [...new Set(msgs.map((m) => m.to))];
    for (const recipient of recipients) {
      try {
        const res = await callUnary(this.clients.gateway, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ recipient, page: { pageSize: 100 } }));
        for (const d of res.deliveries) {
          if (!d.providerMessageId) continue;
          out.set(d.providerMessageId, {
            id: d.id,
            status: gatewayv1.DeliveryStatus[d.status].replace('DELIVERY_STATUS_', ''),
            templateKey: d.templateKey,
            failover: d.failover,
            attemptCount: d.attemptCount,
            traceId: d.traceId,
          });
        }
      } catch {
        // ListDeliveries unavailable: messages are reported without their delivery.
      }
    }
    return out;
  }

  /**
   * For a timeout message: the gateway's deliveries to the missing recipients made since the
   * last step (after {@link collectedAt}, less 2 s), e.g. DEFERRED by the rate limit; a
   * recipient with none is said so (an earlier run's deliveries are not this step's).
   */
  private async pendingDeliveries(recipients: string[]): Promise<string> {
    const lines: string[] = [];
    const created = { from: new Date(this.collectedAt.getTime() - 2000) };
    for (const recipient of [...new Set(recipients)]) {
      try {
        const res = await callUnary(this.clients.gateway, 'listDeliveries', gatewayv1.ListDeliveriesRequest.fromPartial({ recipient, created, page: { pageSize: 5 } }));
        if (res.deliveries.length === 0) lines.push(`  ${this.describe(recipient)}: none made in this step`);
        for (const d of res.deliveries) {
          lines.push(
            `  ${this.describe(recipient)}: ${d.templateKey} ${gatewayv1.DeliveryStatus[d.status]}${d.lastError ? ` (${d.lastError})` : ''}${d.deferredUntil ? ` until ${formatWib(d.deferredUntil)}` : ''}`,
          );
        }
      } catch (err) {
        lines.push(`  ListDeliveries(${this.describe(recipient)}) failed: ${(err as Error).message}`);
      }
    }
    return lines.length > 0 ? `\nthe gateway's deliveries to them in this step:\n${lines.join('\n')}` : '';
  }

  private describe(to: string): string {
    const w = this.who.get(to);
    return w ? `${w.name}${w.zone ? ` (${w.zone})` : ''} ${to}` : to;
  }

  /** Reports a ticket of the story as soon as it exists (ScenarioOptions.onTicket). */
  private opened(role: TicketRole, ticket: ticketv1.Ticket): void {
    this.options.onTicket?.(role, ticket);
  }

  private finish(step: StepResult): void {
    this.steps.push(step);
    this.options.onStep?.(step);
  }
}

function traceMetadata(traceparent: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('traceparent', traceparent);
  return md;
}

/** Exposed for the e2e test and the demo: the E.164 form of a phone as the scenario writes it. */
export const toE164 = e164;
