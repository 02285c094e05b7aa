/**
 * Runs the four provider simulators on their own: `node libs/provider-sim/bin/provider-sim.js`.
 *
 * The only place the simulators read the environment (all optional):
 *   SIM_HOST                 interface to bind (default 127.0.0.1; 0.0.0.0 in a container)
 *   FONNTE_SIM_PORT          default 8091     WABLAS_SIM_PORT   default 8092
 *   TWILIO_SIM_PORT          default 8093     ADVANTA_SIM_PORT  default 8094
 *   SIM_WEBHOOK_BASE_URL     the gateway's webhook server (default http://127.0.0.1:8080);
 *                            receipts go to <base>/webhooks/<provider>/…; `off` = no receipts
 *   SIM_RECEIPT_DELAYS_MS    `sent,delivered,read` offsets in ms (default 500,1500,3000)
 *   WEBHOOK_SECRET           appended as ?secret= to Fonnte/Wablas/Advanta webhooks
 *   FONNTE_TOKEN, WABLAS_TOKEN, WABLAS_SECRET_KEY, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
 *   ADVANTA_API_KEY, ADVANTA_PARTNER_ID, ADVANTA_SHORTCODE
 *                            the credentials the gateway is configured with; any that is unset
 *                            means "accept any non-empty value" (said in the log)
 *   LOG_LEVEL                pino level (default info)
 * Stops cleanly on SIGINT/SIGTERM.
 */
import pino from 'pino';
import { z } from 'zod';
import { startAllSims } from './all-sims';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const optional = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined));

const envSchema = z.object({
  SIM_HOST: z.string().default('127.0.0.1'),
  FONNTE_SIM_PORT: port(8091),
  WABLAS_SIM_PORT: port(8092),
  TWILIO_SIM_PORT: port(8093),
  ADVANTA_SIM_PORT: port(8094),
  SIM_WEBHOOK_BASE_URL: z.string().default('http://127.0.0.1:8080'),
  SIM_RECEIPT_DELAYS_MS: z
    .string()
    .default('500,1500,3000')
    .transform((v, ctx) => {
      if (v === 'off') return false as const;
      const parts = v.split(',').map((p) => Number(p.trim()));
      if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 0)) {
        ctx.addIssue({ code: 'custom', message: 'expected "sent,delivered,read" in ms, or "off"' });
        return z.NEVER;
      }
      return { sent: parts[0]!, delivered: parts[1]!, read: parts[2]! };
    }),
  WEBHOOK_SECRET: optional,
  FONNTE_TOKEN: optional,
  WABLAS_TOKEN: optional,
  WABLAS_SECRET_KEY: optional,
  TWILIO_ACCOUNT_SID: optional,
  TWILIO_AUTH_TOKEN: optional,
  ADVANTA_API_KEY: optional,
  ADVANTA_PARTNER_ID: optional,
  ADVANTA_SHORTCODE: optional,
  LOG_LEVEL: z.string().default('info'),
});

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    process.stderr.write(`provider-sim: bad environment\n${z.prettifyError(parsed.error)}\n`);
    process.exit(2);
  }
  const env = parsed.data;
  const logger = pino({ name: 'provider-sim', level: env.LOG_LEVEL });
  const webhookBaseUrl = env.SIM_WEBHOOK_BASE_URL === 'off' ? undefined : env.SIM_WEBHOOK_BASE_URL;

  const unset = Object.entries({
    FONNTE_TOKEN: env.FONNTE_TOKEN,
    WABLAS_TOKEN: env.WABLAS_TOKEN,
    WABLAS_SECRET_KEY: env.WABLAS_SECRET_KEY,
    TWILIO_ACCOUNT_SID: env.TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: env.TWILIO_AUTH_TOKEN,
    ADVANTA_API_KEY: env.ADVANTA_API_KEY,
    ADVANTA_PARTNER_ID: env.ADVANTA_PARTNER_ID,
    ADVANTA_SHORTCODE: env.ADVANTA_SHORTCODE,
  })
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (unset.length > 0) {
    logger.warn({ unset }, 'provider-sim: credentials not set; these simulators accept any non-empty value for them');
  }

  const sims = await startAllSims({
    host: env.SIM_HOST,
    webhookBaseUrl,
    webhookSecret: env.WEBHOOK_SECRET,
    receiptDelaysMs: webhookBaseUrl ? env.SIM_RECEIPT_DELAYS_MS : false,
    logger,
    fonnte: { port: env.FONNTE_SIM_PORT, ...(env.FONNTE_TOKEN ? { token: env.FONNTE_TOKEN } : {}) },
    wablas: {
      port: env.WABLAS_SIM_PORT,
      ...(env.WABLAS_TOKEN ? { token: env.WABLAS_TOKEN } : {}),
      ...(env.WABLAS_SECRET_KEY ? { secretKey: env.WABLAS_SECRET_KEY } : {}),
    },
    twilio: {
      port: env.TWILIO_SIM_PORT,
      ...(env.TWILIO_ACCOUNT_SID ? { accountSid: env.TWILIO_ACCOUNT_SID } : {}),
      ...(env.TWILIO_AUTH_TOKEN ? { authToken: env.TWILIO_AUTH_TOKEN } : {}),
    },
    advanta: {
      port: env.ADVANTA_SIM_PORT,
      ...(env.ADVANTA_API_KEY ? { apiKey: env.ADVANTA_API_KEY } : {}),
      ...(env.ADVANTA_PARTNER_ID ? { partnerId: env.ADVANTA_PARTNER_ID } : {}),
      ...(env.ADVANTA_SHORTCODE ? { shortcodes: [env.ADVANTA_SHORTCODE] } : {}),
    },
  });
  logger.info(
    {
      fonnte: sims.fonnte.url,
      wablas: sims.wablas.url,
      twilio: sims.twilio.url,
      advanta: sims.advanta.url,
      webhookBaseUrl: webhookBaseUrl ?? null,
      receipts: webhookBaseUrl ? env.SIM_RECEIPT_DELAYS_MS : false,
    },
    'provider-sim: simulators listening',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'provider-sim: stopping');
    sims.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'provider-sim: error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`provider-sim: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
