// The gateway's integration stack: real Postgres (one fresh schema per service), real NATS
// JetStream (one namespace shared by all services of the test file), the customer, template and
// ticket services started in-process through their own start*Service functions, the four
// provider simulators over real HTTP posting receipts to the gateway's webhook server, and the
// gateway itself.
//
// The cross-project imports below are deliberate and test-only: the gateway's pipeline is only
// meaningful against the real customer (ResolveRecipients) and template (RenderTemplate)
// services, and the brief for these specs asks for them in-process. Production code of the
// gateway never imports another service.
/* eslint-disable @nx/enforce-module-boundaries */
import { createServer } from 'node:net';
import { createClient } from '@notify/grpc-kit';
import { createLogger, type Logger } from '@notify/logger';
import { customerv1, gatewayv1, ticketv1 } from '@notify/proto';
import {
  startAdvantaSim, startFonnteSim, startTwilioSim, startWablasSim,
  type AdvantaSimHandle, type FonnteSimHandle, type TwilioSimHandle, type WablasSimHandle,
} from '@notify/provider-sim';
import { createTestNats, createTestSchema, type TestNats, type TestSchema } from '@notify/testing';
import { loadCustomerConfig } from '../../../customer/src/config';
import { startCustomerService, type RunningCustomerService } from '../../../customer/src/server';
import { loadTemplateConfig } from '../../../template/src/config';
import { startTemplateService, type RunningTemplateService } from '../../../template/src/server';
import { loadTicketConfig } from '../../../ticket/src/config';
import { startTicketService, type RunningTicketService } from '../../../ticket/src/server';
import { loadGatewayConfig, type GatewayConfig } from '../../src/config';
import { startGatewayService, type GatewayServiceOverrides, type RunningGatewayService } from '../../src/server';

export const ADMIN_KEY = 'gw-it-admin-key-00000001';
export const SERVICE_KEY = 'gw-it-service-key-0000001';
export const TECH_KEY = 'gw-it-technician-key-0001';
export const NOC_KEY = 'gw-it-noc-key-00000000001';
export const API_KEYS = `${ADMIN_KEY}:admin,${SERVICE_KEY}:service,${TECH_KEY}:technician:tech-x,${NOC_KEY}:noc`;
export const WEBHOOK_SECRET = 'gw-it-webhook-secret';
export const CREDS = {
  FONNTE_TOKEN: 'fonnte-token', WABLAS_TOKEN: 'wablas-token', WABLAS_SECRET_KEY: 'wablas-secret',
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000001', TWILIO_AUTH_TOKEN: 'twilio-auth-token', TWILIO_FROM: '+15005550006',
  ADVANTA_API_KEY: 'advanta-key', ADVANTA_PARTNER_ID: '1234', ADVANTA_SHORTCODE: 'NOTIFY',
};

/** A free TCP port on 127.0.0.1 (the webhook server's, known before the simulators start). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Sims {
  fonnte: FonnteSimHandle;
  wablas: WablasSimHandle;
  twilio: TwilioSimHandle;
  advanta: AdvantaSimHandle;
  close(): Promise<void>;
  clearFaults(): Promise<void>;
}

/** The four simulators, posting receipts to the webhook server on `webhookPort` (receipts on unless `receipts: false`). */
export async function startSims(webhookPort: number, receipts = true): Promise<Sims> {
  const hook = (path: string) => `http://127.0.0.1:${webhookPort}${path}`;
  const delays = receipts ? { sent: 20, delivered: 60, read: 120 } : (false as const);
  const fonnte = await startFonnteSim({ port: 0, token: CREDS.FONNTE_TOKEN, webhookUrl: hook('/webhooks/fonnte/status'), webhookSecret: WEBHOOK_SECRET, receiptDelaysMs: delays });
  const wablas = await startWablasSim({
    port: 0, token: CREDS.WABLAS_TOKEN, secretKey: CREDS.WABLAS_SECRET_KEY, webhookUrl: hook('/webhooks/wablas/status'), webhookSecret: WEBHOOK_SECRET, receiptDelaysMs: delays,
  });
  const twilio = await startTwilioSim({ port: 0, accountSid: CREDS.TWILIO_ACCOUNT_SID, authToken: CREDS.TWILIO_AUTH_TOKEN, fromNumbers: [CREDS.TWILIO_FROM], receiptDelaysMs: delays });
  const advanta = await startAdvantaSim({
    port: 0, apiKey: CREDS.ADVANTA_API_KEY, partnerId: CREDS.ADVANTA_PARTNER_ID, shortcodes: [CREDS.ADVANTA_SHORTCODE],
    webhookUrl: hook('/webhooks/advanta/dlr'), webhookSecret: WEBHOOK_SECRET, receiptDelaysMs: false,
  });
  const all = [fonnte, wablas, twilio, advanta];
  return {
    fonnte, wablas, twilio, advanta,
    close: async () => void (await Promise.all(all.map((s) => s.close()))),
    clearFaults: async () => void (await Promise.all(all.map((s) => s.clearFault()))),
  };
}

export interface Stack {
  nats: TestNats;
  schemas: TestSchema[];
  gatewaySchema: TestSchema;
  customer: RunningCustomerService;
  template: RunningTemplateService;
  ticket: RunningTicketService;
  gateway: RunningGatewayService;
  gatewayConfig: GatewayConfig;
  sims: Sims;
  webhookPort: number;
  customerClient: customerv1.CustomerServiceClient;
  ticketClient: ticketv1.TicketServiceClient;
  gatewayClient: gatewayv1.NotificationServiceClient;
  logger: Logger;
  /** Gateway env (for a child-process gateway on the same schema / namespace). */
  gatewayEnv: Record<string, string>;
  /** Stops the gateway only (restart tests). */
  restartGateway(env?: Record<string, string>, overrides?: GatewayServiceOverrides): Promise<RunningGatewayService>;
  stop(): Promise<void>;
}

/**
 * Starts the whole stack for one test file. `gatewayEnv` entries override the gateway's environment.
 * `options.gatewayLogger`: the gateway's logger (also after restartGateway), e.g. one writing to
 * an array to check its lines; the other services always log nowhere.
 */
export async function startStack(
  prefix: string, gatewayEnv: Record<string, string> = {}, options: { startGateway?: boolean; gatewayLogger?: Logger } = {},
): Promise<Stack> {
  const logger = createLogger({ service: 'gateway-it', level: 'silent' });
  const gatewayLogger = options.gatewayLogger ?? logger;
  const nats = createTestNats(prefix);
  const [cs, ts, ks, gs] = await Promise.all(['c', 't', 'k', 'g'].map((s) => createTestSchema(`${prefix}_${s}`)));
  const schemas = [cs!, ts!, ks!, gs!];
  const common = { NODE_ENV: 'test', LOG_LEVEL: 'silent', GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', NOTIFY_API_KEYS: API_KEYS, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace };
  const customer = await startCustomerService(loadCustomerConfig({ ...common, DATABASE_URL: cs!.url, DATABASE_SCHEMA: cs!.schema }), logger);
  const template = await startTemplateService(loadTemplateConfig({ ...common, DATABASE_URL: ts!.url, DATABASE_SCHEMA: ts!.schema }), logger);
  const customerAddr = `127.0.0.1:${customer.grpc.port}`;
  const ticket = await startTicketService(
    loadTicketConfig({ ...common, DATABASE_URL: ks!.url, DATABASE_SCHEMA: ks!.schema, SERVICE_API_KEY: SERVICE_KEY, CUSTOMER_ADDR: customerAddr }),
    logger,
  );
  const webhookPort = await freePort();
  const sims = await startSims(webhookPort);
  const env: Record<string, string> = {
    ...common,
    DATABASE_URL: gs!.url,
    DATABASE_SCHEMA: gs!.schema,
    SERVICE_API_KEY: SERVICE_KEY,
    CUSTOMER_ADDR: customerAddr,
    TEMPLATE_ADDR: `127.0.0.1:${template.grpc.port}`,
    TICKET_ADDR: `127.0.0.1:${ticket.grpc.port}`,
    WEBHOOK_HOST: '127.0.0.1',
    WEBHOOK_PORT: String(webhookPort),
    WEBHOOK_SECRET,
    WEBHOOK_PUBLIC_URL: `http://127.0.0.1:${webhookPort}`,
    ...CREDS,
    FONNTE_BASE_URL: sims.fonnte.url,
    WABLAS_BASE_URL: sims.wablas.url,
    TWILIO_BASE_URL: sims.twilio.url,
    ADVANTA_BASE_URL: sims.advanta.url,
    FONNTE_COST_RUPIAH: '150',
    WABLAS_COST_RUPIAH: '200',
    TWILIO_COST_RUPIAH: '900',
    ADVANTA_COST_RUPIAH: '400',
    PROVIDER_TIMEOUT_MS: '2000',
    DISPATCH_POLL_MS: '200',
    DELIVERY_RETRY_INITIAL_MS: '300',
    DELIVERY_RETRY_MAX_MS: '1000',
    ...gatewayEnv,
  };
  let gatewayConfig = loadGatewayConfig(env);
  let gateway = options.startGateway === false ? (undefined as unknown as RunningGatewayService) : await startGatewayService(gatewayConfig, gatewayLogger);
  const customerClient = createClient(customerv1.CustomerServiceClient, customerAddr, { apiKey: ADMIN_KEY });
  const ticketClient = createClient(ticketv1.TicketServiceClient, `127.0.0.1:${ticket.grpc.port}`, { apiKey: ADMIN_KEY });
  const gatewayClient = createClient(gatewayv1.NotificationServiceClient, `127.0.0.1:${gateway ? gateway.grpc.port : 1}`, { apiKey: ADMIN_KEY });
  const stack: Stack = {
    nats, schemas, gatewaySchema: gs!, customer, template, ticket, gateway, gatewayConfig, sims, webhookPort,
    customerClient, ticketClient, gatewayClient, logger, gatewayEnv: env,
    async restartGateway(extra = {}, overrides = {}) {
      if (stack.gateway) await stack.gateway.stop();
      gatewayConfig = loadGatewayConfig({ ...env, ...extra });
      stack.gatewayConfig = gatewayConfig;
      gateway = await startGatewayService(gatewayConfig, gatewayLogger, overrides);
      stack.gateway = gateway;
      (stack.gatewayClient as unknown as { close(): void }).close();
      stack.gatewayClient = createClient(gatewayv1.NotificationServiceClient, `127.0.0.1:${gateway.grpc.port}`, { apiKey: ADMIN_KEY });
      return gateway;
    },
    async stop() {
      for (const c of [customerClient, ticketClient, stack.gatewayClient]) (c as unknown as { close(): void }).close();
      const timed = async (name: string, f: () => Promise<unknown>) => {
        const t = Date.now();
        await f();
        if (process.env['GW_IT_TIMING']) console.log(`stop ${name}: ${Date.now() - t} ms`);
      };
      await timed('gateway', async () => stack.gateway?.stop());
      await timed('ticket', () => ticket.stop());
      await timed('template', () => template.stop());
      await timed('customer', () => customer.stop());
      await timed('sims', () => sims.close());
      await timed('nats', () => nats.cleanup());
      for (const s of schemas) await s.dropSchema();
    },
  };
  return stack;
}
