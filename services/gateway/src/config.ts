import {
  envSchema, loadConfig, platformEnv, grpcServerEnv, databaseEnv, readinessEnv, natsEnv, outboxEnv, housekeepingEnv, serviceAddrEnv,
  port, positiveInt, durationMs, url, commaList, oneOf, z, type ConfigOf, type Env,
} from '@notify/config';

/** Providers with a status look-up (receipt reconciliation): Fonnte /status (deprecated), Twilio's Message fetch, Advanta getdlr. */
export const RECEIPT_CHECK_PROVIDER_NAMES = ['fonnte', 'twilio', 'advanta'] as const;

/** Providers per channel, in the order the chain tries them. */
export const WHATSAPP_PROVIDER_NAMES = ['fonnte', 'wablas'] as const;
export const SMS_PROVIDER_NAMES = ['twilio', 'advanta'] as const;
export type WhatsappProviderName = (typeof WHATSAPP_PROVIDER_NAMES)[number];
export type SmsProviderName = (typeof SMS_PROVIDER_NAMES)[number];

/** Optional secret / credential: unset (or blank) = not configured. */
const secret = () => z.string().trim().min(1).optional();
/** Whole rupiah, integer ≥ 0. */
const rupiah = () =>
  z.string().transform((raw, ctx) => {
    const s = raw.trim();
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
      ctx.addIssue({ code: 'custom', message: 'must be a whole number of rupiah (integer >= 0)' });
      return z.NEVER;
    }
    return Number(s);
  });
const percentage = () =>
  positiveInt().refine((n) => n <= 100, { message: 'must be a percentage 1-100' });
const httpUrl = () => url(['http:', 'https:']);

/**
 * Provider variables (issue 5, providers.md). A provider is enabled only when its credentials
 * are set (see `buildProviderChains`):
 * - Fonnte: `FONNTE_TOKEN`; Wablas: `WABLAS_TOKEN` (+ `WABLAS_SECRET_KEY`, sent as `token.secret`);
 *   Twilio: `TWILIO_ACCOUNT_SID` + `TWILIO_AUTH_TOKEN` + a sender (`TWILIO_FROM` or
 *   `TWILIO_MESSAGING_SERVICE_SID`); Advanta: `ADVANTA_API_KEY` + `ADVANTA_PARTNER_ID` + `ADVANTA_SHORTCODE`.
 * - `*_BASE_URL`: default to the local simulators (libs/provider-sim, ports 8091-8094); a real
 *   account sets the real URL (https://api.fonnte.com, https://<region>.wablas.com,
 *   https://api.twilio.com, https://quicksms.advantasms.com).
 * - `*_COST_RUPIAH`: what one message costs on that provider, whole rupiah (attempt records, stats).
 * - `PROVIDER_TIMEOUT_MS` per-call timeout (ms or 10s); `BREAKER_*` opossum knobs (see ProviderChainOptions).
 * - `WHATSAPP_PROVIDERS` / `SMS_PROVIDERS`: chain order, comma list of that channel's provider names.
 */
const providerEnv = {
  FONNTE_TOKEN: secret(),
  FONNTE_BASE_URL: httpUrl().default('http://127.0.0.1:8091'),
  FONNTE_COST_RUPIAH: rupiah().default(0),
  WABLAS_TOKEN: secret(),
  WABLAS_SECRET_KEY: secret(),
  WABLAS_BASE_URL: httpUrl().default('http://127.0.0.1:8092'),
  WABLAS_COST_RUPIAH: rupiah().default(0),
  TWILIO_ACCOUNT_SID: secret(),
  TWILIO_AUTH_TOKEN: secret(),
  TWILIO_FROM: secret(),
  TWILIO_MESSAGING_SERVICE_SID: secret(),
  TWILIO_BASE_URL: httpUrl().default('http://127.0.0.1:8093'),
  TWILIO_COST_RUPIAH: rupiah().default(0),
  ADVANTA_API_KEY: secret(),
  ADVANTA_PARTNER_ID: secret(),
  ADVANTA_SHORTCODE: secret(),
  ADVANTA_BASE_URL: httpUrl().default('http://127.0.0.1:8094'),
  ADVANTA_COST_RUPIAH: rupiah().default(0),
  PROVIDER_TIMEOUT_MS: durationMs().refine((ms) => ms > 0, { message: 'must be more than 0 (every provider call would be aborted at once)' }).default(10_000),
  BREAKER_ERROR_THRESHOLD_PERCENTAGE: percentage().default(50),
  BREAKER_VOLUME_THRESHOLD: positiveInt().default(5),
  BREAKER_RESET_TIMEOUT_MS: durationMs().default(30_000),
  BREAKER_ROLLING_WINDOW_MS: durationMs().default(10_000),
  WHATSAPP_PROVIDERS: commaList(oneOf(WHATSAPP_PROVIDER_NAMES)).default(['fonnte', 'wablas']),
  SMS_PROVIDERS: commaList(oneOf(SMS_PROVIDER_NAMES)).default(['twilio', 'advanta']),
};

/**
 * Webhook HTTP server (receipts, inbound replies, /healthz, /metrics):
 * - `WEBHOOK_HOST` (default 0.0.0.0), `WEBHOOK_PORT` (default 8080, 0 = OS picks).
 * - `WEBHOOK_SECRET`: the `?secret=` Fonnte / Wablas / Advanta webhooks must carry; unset =
 *   those webhooks answer 401 (nothing is accepted unauthenticated).
 * - `WEBHOOK_PUBLIC_URL`: the server's URL as the providers see it (e.g. https://notify.example.id);
 *   used for Twilio's per-message StatusCallback and to verify `X-Twilio-Signature` (signed over
 *   the public URL, not the internal one).
 */
const webhookEnv = {
  WEBHOOK_HOST: z.string().trim().min(1).default('0.0.0.0'),
  WEBHOOK_PORT: port().default(8080),
  WEBHOOK_SECRET: secret(),
  WEBHOOK_PUBLIC_URL: httpUrl().optional(),
};

/** Priorities, lowest first (notify.common.v1.Priority without the prefix). */
export const PRIORITY_NAMES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;

/** Non-negative integer (0 allowed, e.g. "pacing off"). */
const nonNegativeInt = () =>
  z.string().transform((raw, ctx) => {
    const s = raw.trim();
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
      ctx.addIssue({ code: 'custom', message: 'must be an integer >= 0' });
      return z.NEVER;
    }
    return Number(s);
  });

/**
 * The delivery pipeline (issue 5 "Retries", "Quiet hours", rate limits, pacing, fallback):
 * - `SERVICE_API_KEY`: key (role `service`) the gateway presents to the customer and template
 *   services (ResolveRecipients, GetCustomer/GetStaff, RenderTemplate) and to the ticket service
 *   (technician replies). Unset: those calls fail UNAVAILABLE and events are redelivered later.
 * - `DELIVERY_MAX_ATTEMPTS`: send rounds per delivery (one round = the channel's chain, plus the SMS
 *   fallback when allowed) before DEAD (default 8: with the default backoff, 30 s doubling to 30 min,
 *   about an hour of the providers failing; a round pulled forward before its own retry time by a
 *   provider's recovery does not count either; a round that called no provider, each behind an
 *   open breaker or asked to wait, does not count: its retry waits for a provider to be callable
 *   again, and longer with each such round in a row). `DELIVERY_RETRY_INITIAL_MS` / `DELIVERY_RETRY_MAX_MS`:
 *   exponential backoff with equal jitter between rounds (`backoffMs` of @notify/db; defaults 30 s / 30 min).
 * - `DISPATCH_WORKERS`: concurrent sends per process (default 64); `DISPATCH_BATCH_SIZE`: rows claimed
 *   per claim at most (default 64). The claim and the bookkeeping are set-wise (one statement per claim,
 *   one transaction per group of finished rounds), so more rounds in flight means fewer, larger
 *   statements: bench/gateway (4000 deliveries, 2 cores) measured 16/16 ≈ 0.18 of the raw POST rate,
 *   64/64 ≈ 0.3, 256/128 ≈ 0.37; keep it within what the providers accept at once (a provider's 429
 *   fails over). `DISPATCH_POLL_MS`: poll interval when no NOTIFY wakes the dispatcher (default
 *   1000 ms); `DISPATCH_LEASE_MS`: how long a claimed (SENDING) row is owned (default 120 s; must exceed
 *   PROVIDER_TIMEOUT_MS × providers tried). A SENDING row whose lease expired was possibly sent by a
 *   process that died: it is marked DEAD (never re-sent automatically; RetryDelivery re-drives it).
 * - `EVENT_CONSUMER_CONCURRENCY`: events handled at once by each durable consumer (gateway-ticket,
 *   gateway-customer, gateway-schedule; default 128; the events of one ticket or customer one after
 *   another, in stream order: `gatewayOrderKey`). Each event waits on ResolveRecipients,
 *   RenderTemplate and its inserts, and the events handled at once share those calls and
 *   statements (natural batching), so the more are in flight the fewer round trips each costs:
 *   bench/lifecycle at 64 tickets in flight (2026-12-06) made 664–694 notifications/s with 64,
 *   727 with 128, against about 450 with the former 16 (which had raised 50.6 → 73.2 from 4).
 * - `SMS_FALLBACK_PRIORITIES`: priorities whose WhatsApp deliveries fall back to SMS when the WhatsApp
 *   chain failed definitely (default URGENT,HIGH; `none` = never). Issue 5 "Providers".
 * - `RECIPIENT_RATE_LIMIT` messages per `RECIPIENT_RATE_WINDOW_MS` per recipient address (default 10
 *   per hour); the excess is DEFERRED until a slot frees; URGENT is exempt, and so is a ticket's own
 *   story (lifecycle messages, job offers, SLA warnings, escalations: domain RATE_LIMIT_EXEMPT_TYPES,
 *   neither limited nor counted). 0 = no limit.
 * - `<PROVIDER>_RATE_PER_SECOND`: provider pacing, messages per second per process (0 = unpaced,
 *   the default). A send waits for its slot outside the provider's circuit breaker and before its
 *   timeout starts (a wait is never a provider failure, and never a reason to fail over); the
 *   dispatcher claims no more rows of a channel than its provider can start within 250 ms, so rows
 *   wait in Postgres, not SENDING (ProviderChain and Dispatcher "Pacing").
 * - `DIRECTORY_CACHE_TTL_MS`: how long a customer's or staff member's display facts (GetCustomer /
 *   GetStaff, for template variables) are kept, ms (default 2 s; 0 = ask every time); a name edited
 *   in the customer service shows in messages within it. Recipients are always resolved afresh.
 * - `RESOLVE_PAGE_SIZE`: recipients per ResolveRecipients page (default 1000, max 5000): each page is
 *   rendered and inserted in its own transaction, so a Broadcast's first messages leave while later
 *   pages are still being resolved and memory holds one page.
 * - Template facts the events do not carry: `TICKET_PORTAL_URL` (your ticket portal: links
 *   `<url>/<ticket number>` in the technician assignment and escalation texts; unset = those texts
 *   carry no link line, Notify has no portal of its own), `SUPPORT_PHONE` (customer.welcome's support
 *   number, E.164 digits; unset = the welcome leaves out its help line), `SYSTEM_NAME` (escalation
 *   texts' `[system]` tag, default NOTIFY).
 * - Housekeeping (with HOUSEKEEPING_INTERVAL_MS, see @notify/config housekeepingEnv):
 *   `INBOUND_MESSAGES_RETENTION_MS` how long the ids of inbound WhatsApp messages acted on are kept
 *   for the webhook dedupe (default 7d: providers retry a webhook for minutes, not days);
 *   `RECEIPTS_RETENTION_MS` how long provider receipts are kept (default 30d; a receipt arriving
 *   later than that is applied again, which is harmless: receipts never move a delivery backwards),
 *   and how long a receipt that came before its send was recorded waits in `pending_receipts` for
 *   that send (one never recorded is then dropped, logged at warn).
 * - Receipt reconciliation (ReceiptReconciler: deliveries whose receipt never came are looked up at
 *   their provider): `RECEIPT_CHECK_PROVIDERS` which providers (comma list of fonnte, twilio,
 *   advanta; default twilio,advanta — the SMS providers, whose receipts are not retried; Fonnte
 *   retries its status webhook and its look-up is deprecated, Wablas documents none; `none` = off);
 *   `RECEIPT_CHECK_AFTER_MS` first look-up this long after the send, each next one 3× the previous
 *   wait (default 10 min: 10 min, 30 min, 1.5 h, 4.5 h); `RECEIPT_CHECK_MAX` look-ups per message
 *   (default 4; 0 = off); `RECEIPT_CHECK_MAX_AGE_MS` none for messages sent longer ago (default 2d);
 *   `RECEIPT_CHECK_INTERVAL_MS` how often a pass runs (default 60 s) and `RECEIPT_CHECK_BATCH`
 *   deliveries per pass at most (default 200).
 * - `GATEWAY_TEST_PAUSE_AFTER_SEND_MS`: TEST HOOK ONLY (crash-safety spec): after a provider accepted a
 *   message the dispatcher waits this long before its bookkeeping, so a test can SIGKILL the process
 *   there. 0 (default) = off; never set it in production.
 */
const pipelineEnv = {
  INBOUND_MESSAGES_RETENTION_MS: durationMs().default(7 * 86_400_000),
  RECEIPTS_RETENTION_MS: durationMs().default(30 * 86_400_000),
  SERVICE_API_KEY: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  DELIVERY_MAX_ATTEMPTS: positiveInt().default(8),
  DELIVERY_RETRY_INITIAL_MS: durationMs().default(30_000),
  DELIVERY_RETRY_MAX_MS: durationMs().default(30 * 60_000),
  DISPATCH_WORKERS: positiveInt().default(64),
  DISPATCH_BATCH_SIZE: positiveInt().default(64),
  DISPATCH_POLL_MS: durationMs().refine((ms) => ms >= 10, { message: 'must be at least 10ms (0 makes the idle dispatcher query Postgres in a loop)' }).default(1000),
  DISPATCH_LEASE_MS: durationMs().default(120_000),
  EVENT_CONSUMER_CONCURRENCY: positiveInt().default(128),
  SMS_FALLBACK_PRIORITIES: commaList(oneOf(PRIORITY_NAMES)).default(['URGENT', 'HIGH']),
  RECIPIENT_RATE_LIMIT: nonNegativeInt().default(10),
  RECIPIENT_RATE_WINDOW_MS: durationMs().default(3_600_000),
  FONNTE_RATE_PER_SECOND: nonNegativeInt().default(0),
  WABLAS_RATE_PER_SECOND: nonNegativeInt().default(0),
  TWILIO_RATE_PER_SECOND: nonNegativeInt().default(0),
  ADVANTA_RATE_PER_SECOND: nonNegativeInt().default(0),
  TICKET_PORTAL_URL: httpUrl().optional(),
  SUPPORT_PHONE: z.string().trim().regex(/^\+?[0-9][0-9 -]{5,19}$/, 'must be a phone number (E.164 digits, e.g. 6282112345678; spaces and dashes allowed)').optional(),
  SYSTEM_NAME: z.string().trim().min(1).default('NOTIFY'),
  RESOLVE_PAGE_SIZE: positiveInt().refine((n) => n <= 5000, { message: 'must be at most 5000' }).default(1000),
  DIRECTORY_CACHE_TTL_MS: durationMs().default(2_000),
  GATEWAY_TEST_PAUSE_AFTER_SEND_MS: durationMs().default(0),
  RECEIPT_CHECK_PROVIDERS: commaList(oneOf(RECEIPT_CHECK_PROVIDER_NAMES, `must be one of ${RECEIPT_CHECK_PROVIDER_NAMES.join(', ')} (Wablas documents no status look-up)`)).default(['twilio', 'advanta']),
  RECEIPT_CHECK_AFTER_MS: durationMs().refine((ms) => ms >= 1000, { message: 'must be at least 1s' }).default(10 * 60_000),
  RECEIPT_CHECK_MAX: nonNegativeInt().default(4),
  RECEIPT_CHECK_MAX_AGE_MS: durationMs().default(2 * 86_400_000),
  RECEIPT_CHECK_INTERVAL_MS: durationMs().refine((ms) => ms >= 100, { message: 'must be at least 100ms' }).default(60_000),
  RECEIPT_CHECK_BATCH: positiveInt().default(200),
};

/**
 * The gateway service's environment (parsed once, fail fast, frozen). Every variable is
 * listed in .env.example; process.env is read nowhere else in this service.
 */
const schema = envSchema({
  ...platformEnv('gateway'),
  ...grpcServerEnv('gateway'),
  ...databaseEnv('gateway'), ...readinessEnv(), ...outboxEnv('gateway'), ...housekeepingEnv(), ...natsEnv(), ...serviceAddrEnv('customer', 'template', 'ticket'),
  ...providerEnv,
  ...webhookEnv,
  ...pipelineEnv,
}).superRefine((c, ctx) => {
  // Rules between variables (each bad one named, with the others' values' meaning).
  if (c.DELIVERY_RETRY_MAX_MS < c.DELIVERY_RETRY_INITIAL_MS) {
    ctx.addIssue({ code: 'custom', path: ['DELIVERY_RETRY_MAX_MS'], message: `must be at least DELIVERY_RETRY_INITIAL_MS (${c.DELIVERY_RETRY_INITIAL_MS} ms)` });
  }
  // A round may try every provider of both chains (WhatsApp, then the SMS fallback), each up to
  // PROVIDER_TIMEOUT_MS: a lease shorter than that expires while the round is still sending, and
  // the row is marked DEAD as possibly sent.
  const longestRoundMs = c.PROVIDER_TIMEOUT_MS * (c.WHATSAPP_PROVIDERS.length + c.SMS_PROVIDERS.length);
  if (c.DISPATCH_LEASE_MS <= longestRoundMs) {
    ctx.addIssue({
      code: 'custom', path: ['DISPATCH_LEASE_MS'],
      message: `must exceed PROVIDER_TIMEOUT_MS × the providers of both chains (${longestRoundMs} ms): a round may try them all`,
    });
  }
});

/** The zod schema of this service's environment (deploy-file checks read its keys). */
export const configSchema = schema;

export type GatewayConfig = ConfigOf<typeof schema>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export const loadGatewayConfig = (env?: Env): GatewayConfig => loadConfig(schema, env);
