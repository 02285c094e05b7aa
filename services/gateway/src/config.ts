import {
  envSchema, loadConfig, platformEnv, grpcServerEnv, databaseEnv, natsEnv, serviceAddrEnv,
  port, positiveInt, durationMs, url, commaList, z, type ConfigOf, type Env,
} from '@notify/config';

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
  PROVIDER_TIMEOUT_MS: durationMs().default(10_000),
  BREAKER_ERROR_THRESHOLD_PERCENTAGE: percentage().default(50),
  BREAKER_VOLUME_THRESHOLD: positiveInt().default(5),
  BREAKER_RESET_TIMEOUT_MS: durationMs().default(30_000),
  BREAKER_ROLLING_WINDOW_MS: durationMs().default(10_000),
  WHATSAPP_PROVIDERS: commaList(z.enum(WHATSAPP_PROVIDER_NAMES)).default(['fonnte', 'wablas']),
  SMS_PROVIDERS: commaList(z.enum(SMS_PROVIDER_NAMES)).default(['twilio', 'advanta']),
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

/**
 * The gateway service's environment (parsed once, fail fast, frozen). Every variable is
 * listed in .env.example; process.env is read nowhere else in this service.
 */
const schema = envSchema({
  ...platformEnv('gateway'),
  ...grpcServerEnv('gateway'),
  ...databaseEnv('gateway'), ...natsEnv(), ...serviceAddrEnv('customer', 'template', 'ticket'),
  ...providerEnv,
  ...webhookEnv,
});

/** The zod schema of this service's environment (deploy-file checks read its keys). */
export const configSchema = schema;

export type GatewayConfig = ConfigOf<typeof schema>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export const loadGatewayConfig = (env?: Env): GatewayConfig => loadConfig(schema, env);
