import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import {
  heapCapNodeOptions, parseApiKeys, SERVICE_HEAP_MB, SERVICE_PORTS, SIM_DEFAULT_PORTS, type Env, type ServiceName, type SimName, type StackKeySource, type StackPorts,
} from '@notify/config';
import { StackStartRefusal } from './refusal';

/** The five services in start order: a service starts after the ones it calls. */
export const START_ORDER: readonly ServiceName[] = ['template', 'customer', 'ticket', 'scheduler', 'gateway'];

/** Which services each one calls (its `<SERVICE>_ADDR` variables, from services/*\/src/config.ts). */
export const CALLS: Readonly<Record<ServiceName, readonly ServiceName[]>> = {
  template: [],
  customer: [],
  ticket: ['customer'],
  scheduler: ['ticket', 'customer', 'template'],
  gateway: ['customer', 'template', 'ticket'],
};

/** Provider credential variables (gateway config, providers.md): any set = real providers, no simulators. */
export const PROVIDER_CREDENTIAL_VARS = [
  'FONNTE_TOKEN',
  'WABLAS_TOKEN',
  'WABLAS_SECRET_KEY',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'ADVANTA_API_KEY',
  'ADVANTA_PARTNER_ID',
  'ADVANTA_SHORTCODE',
] as const;

// Simulator names and default ports, and a stack's ports: shared with the info file's readers (@notify/config).
export { SIM_DEFAULT_PORTS, type SimName, type StackPorts };

/** The default layout: SERVICE_PORTS (50051…50055), webhooks on 8080, simulators on 8091…8094. */
export const DEFAULT_PORTS: StackPorts = { grpc: { ...SERVICE_PORTS }, webhook: 8080, sims: { ...SIM_DEFAULT_PORTS } };

/**
 * `STACK_PORTS=auto` picks free ports for everything (tests, a second stack on one machine);
 * unset or `default` is {@link DEFAULT_PORTS}, checked free first (the simulators' ports only
 * when `check.sims`: this command starts them). Throws on any other value or a busy port.
 *
 * With `auto`, `previous` (the layout this data folder's last stack used, {@link lastPorts})
 * is taken again when every port of it is free: a restarted stack keeps its addresses, so a
 * `npm run sim` still running posts its receipts to the gateway's webhook port and a notifyctl
 * told the old address still reaches it. One busy port → a fresh layout.
 */
export async function resolvePorts(
  mode: string | undefined,
  check: { sims: boolean } = { sims: true },
  previous?: StackPorts,
  /** Told why `previous` is not taken again (its busy ports), so the operator knows the addresses moved. */
  onMoved?: (busy: readonly string[]) => void,
): Promise<StackPorts> {
  if (!mode || mode === 'default') {
    await assertPortsFree(DEFAULT_PORTS, check);
    return DEFAULT_PORTS;
  }
  if (mode !== 'auto') throw new StackStartRefusal(`STACK_PORTS must be "auto" or "default", got "${mode}"`);
  if (previous) {
    const busy = await busyPorts(previous, check);
    if (busy.length === 0) {
      for (const port of portList(previous, check)) taken.add(port[1]);
      return previous;
    }
    onMoved?.(busy);
  }
  const grpc = {} as Record<ServiceName, number>;
  for (const s of START_ORDER) grpc[s] = await freePort();
  const sims = {} as Record<SimName, number>;
  for (const s of Object.keys(SIM_DEFAULT_PORTS) as SimName[]) sims[s] = await freePort();
  return { grpc, webhook: await freePort(), sims };
}

/**
 * Throws one {@link StackStartRefusal} naming every port of `ports` something else already
 * listens on (a second `npm start`, another Postgres-less stack…), with the way out:
 * STACK_PORTS=auto.
 */
export async function assertPortsFree(ports: StackPorts, check: { sims: boolean }): Promise<void> {
  const busy = await busyPorts(ports, check);
  if (busy.length > 0) {
    throw new StackStartRefusal(`ports in use on 127.0.0.1: ${busy.join(', ')}. Stop whatever holds them (another npm start?) or run with STACK_PORTS=auto for free ports`);
  }
}

/** The ports of a layout, each with what it is for (`ticket gRPC`…); the simulators' when `check.sims`. */
function portList(ports: StackPorts, check: { sims: boolean }): Array<[string, number]> {
  return [
    ...Object.entries(ports.grpc).map(([s, p]): [string, number] => [`${s} gRPC`, p]),
    ['gateway webhooks', ports.webhook],
    ...(check.sims ? Object.entries(ports.sims).map(([s, p]): [string, number] => [`${s} simulator`, p]) : []),
  ];
}

/** The busy ports of a layout as `8080 (gateway webhooks)`; empty = all free. */
async function busyPorts(ports: StackPorts, check: { sims: boolean }): Promise<string[]> {
  const busy: string[] = [];
  for (const [what, port] of portList(ports, check)) if (!(await isFree(port))) busy.push(`${port} (${what})`);
  return busy;
}

/** Where a data folder keeps the port layout its last stack used: `<dataRoot>/last-ports.json`. */
export function lastPortsFile(dataRoot: string): string {
  return path.join(dataRoot, 'last-ports.json');
}

/**
 * The port layout the data folder's last stack used (written by {@link rememberPorts}, kept when
 * the stack stops), or undefined when there is none or it does not read as a complete layout of
 * ports 1–65535 (a hand-edited or older file is ignored, never an error).
 */
export function lastPorts(dataRoot: string): StackPorts | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(lastPortsFile(dataRoot), 'utf8'));
  } catch {
    return undefined;
  }
  const port = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0 && (v as number) < 65_536;
  const r = raw as Partial<StackPorts> | null;
  if (!r || typeof r !== 'object' || !port(r.webhook) || !r.grpc || !r.sims) return undefined;
  const grpc = r.grpc as Record<string, unknown>;
  const sims = r.sims as Record<string, unknown>;
  if (!START_ORDER.every((s) => port(grpc[s])) || !(Object.keys(SIM_DEFAULT_PORTS) as SimName[]).every((s) => port(sims[s]))) return undefined;
  return {
    grpc: Object.fromEntries(START_ORDER.map((s) => [s, grpc[s] as number])) as Record<ServiceName, number>,
    webhook: r.webhook,
    sims: Object.fromEntries((Object.keys(SIM_DEFAULT_PORTS) as SimName[]).map((s) => [s, sims[s] as number])) as Record<SimName, number>,
  };
}

/** Records `ports` as the data folder's last layout (for the next `STACK_PORTS=auto` start); best effort. */
export function rememberPorts(dataRoot: string, ports: StackPorts): void {
  try {
    mkdirSync(dataRoot, { recursive: true });
    writeFileSync(lastPortsFile(dataRoot), JSON.stringify(ports, null, 2) + '\n');
  } catch {
    // A read-only data folder: the next auto start picks fresh ports, as before.
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A TCP port free on 127.0.0.1 a moment ago, picked at random in 20000–32767: below Linux's
 * ephemeral range (32768–60999), so the source port of an outgoing connection (the services
 * open dozens to Postgres while starting) does not take it before it is bound. Falls back to an
 * OS-chosen port after 50 busy picks.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (!taken.has(port) && (await isFree(port))) {
      taken.add(port);
      return port;
    }
  }
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Ports this process already handed out (never twice). */
const taken = new Set<number>();

/** The API keys of a stack: the operator's admin key and the key services use to call each other. */
export interface StackKeys {
  /** `NOTIFY_API_KEYS` given to every service (`key:role` entries). */
  readonly apiKeys: string;
  /** The admin key to print (undefined when NOTIFY_API_KEYS came from the environment). */
  readonly adminKey: string | undefined;
  /** `SERVICE_API_KEY` (role `service`) the ticket, scheduler and gateway present. */
  readonly serviceKey: string;
  /** Where the keys came from, for the banner. */
  readonly source: StackKeySource;
}

/**
 * The keys of a stack (`npm start` and `npm run start:services`):
 * - NOTIFY_API_KEYS set: parsed as the services parse it (@notify/config parseApiKeys: 16+
 *   characters per key, known roles…) and used as is; SERVICE_API_KEY, when set, must be one of
 *   its `service` keys (any other key would be refused by the called services: UNAUTHENTICATED),
 *   else the first `service` entry is taken. Every problem is a {@link StackStartRefusal}: a
 *   malformed entry, no `service` entry, a SERVICE_API_KEY not among them. No key is ever put in
 *   a message.
 * - otherwise an admin key and a service key are generated once (24 random bytes, base64url)
 *   and kept in `<keysDir>/api-keys.json`, so the key printed stays valid across restarts; a
 *   SERVICE_API_KEY set alone is not used (see {@link overriddenByStack}).
 */
export function resolveKeys(env: Env, keysDir: string | undefined): StackKeys {
  const raw = env['NOTIFY_API_KEYS'];
  if (raw?.trim()) {
    const parsed = parseApiKeys(raw);
    if (!parsed.ok) {
      throw new StackStartRefusal(`NOTIFY_API_KEYS is not valid: ${parsed.problems.join('; ')} (expected key:role[:staff_id],… with keys of 16+ characters)`);
    }
    const serviceKeys = parsed.keys.filter((k) => k.role === 'service').map((k) => k.key);
    const given = env['SERVICE_API_KEY']?.trim();
    if (given && !serviceKeys.includes(given)) {
      throw new StackStartRefusal(
        `SERVICE_API_KEY is not one of the ${serviceKeys.length} \`<key>:service\` entries of NOTIFY_API_KEYS: the services would refuse each other's calls (UNAUTHENTICATED). ` +
          'Set it to one of them, or unset it to use the first',
      );
    }
    const serviceKey = given || serviceKeys[0];
    if (!serviceKey) {
      throw new StackStartRefusal('NOTIFY_API_KEYS is set but has no `<key>:service` entry: the services could not call each other. Add one (e.g. `<16+ characters>:service`)');
    }
    return { apiKeys: raw, adminKey: undefined, serviceKey, source: 'environment' };
  }
  const file = keysDir ? path.join(keysDir, 'api-keys.json') : undefined;
  if (file && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { admin?: string; service?: string };
    if (saved.admin && saved.service) return keysFrom(saved.admin, saved.service, 'data folder');
  }
  const admin = `admin-${randomBytes(24).toString('base64url')}`;
  const service = `service-${randomBytes(24).toString('base64url')}`;
  if (file) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ admin, service }, null, 2) + '\n', { mode: 0o600 });
  }
  return keysFrom(admin, service, 'generated');
}

function keysFrom(admin: string, service: string, source: StackKeys['source']): StackKeys {
  return { apiKeys: `${admin}:admin,${service}:service`, adminKey: admin, serviceKey: service, source };
}

/**
 * Service variables {@link serviceEnv} sets for each service itself, whatever the environment
 * says: one value could not serve five services (GRPC_PORT, DATABASE_SCHEMA…), or the stack
 * wires them (the callees' addresses). The ports come from STACK_PORTS (`default` or `auto`); a
 * service's own port cannot be chosen. Instead: `<SVC>_DATABASE_SCHEMA` for a schema,
 * WEBHOOK_HOST is kept.
 */
export const STACK_SET_VARIABLES = ['GRPC_HOST', 'GRPC_PORT', 'WEBHOOK_PORT', 'DATABASE_SCHEMA', 'OTEL_SERVICE_NAME', 'TICKET_ADDR', 'CUSTOMER_ADDR', 'TEMPLATE_ADDR'] as const;

/**
 * The variables set in `env` that the stack does not use (the banner names them): those of
 * {@link STACK_SET_VARIABLES}, and SERVICE_API_KEY when NOTIFY_API_KEYS is unset (the
 * generated service key is used: the generated NOTIFY_API_KEYS knows no other).
 */
export function overriddenByStack(env: Env): string[] {
  const names: string[] = STACK_SET_VARIABLES.filter((v) => !!env[v]?.trim());
  if (env['SERVICE_API_KEY']?.trim() && !env['NOTIFY_API_KEYS']?.trim()) names.push('SERVICE_API_KEY');
  return names;
}

/** What {@link serviceEnv} needs to know about the stack. */
export interface StackEnvInput {
  /** The caller's environment (LOG_LEVEL, DISPATCH_POLL_MS… pass through to every service). */
  readonly base: Env;
  readonly databaseUrl: string;
  /** Unset: the services get no NATS_URL (the embedded mode passes one shared in-process bus instead). */
  readonly natsUrl?: string | undefined;
  readonly ports: StackPorts;
  readonly keys: StackKeys;
  /** Interface the services bind (default 127.0.0.1). */
  readonly host?: string;
  /** Provider variables for the gateway (simulator URLs and stand-in credentials), when simulators run. */
  readonly providerEnv?: Env;
}

/**
 * The environment one service is configured from (its `load<Svc>Config(env)`): the caller's
 * environment, then per service DATABASE_URL, DATABASE_SCHEMA (= the service name, unless
 * `<SVC>_DATABASE_SCHEMA` is set), GRPC_HOST/GRPC_PORT, OTEL_SERVICE_NAME, the `<SERVICE>_ADDR`
 * of the services it calls, NOTIFY_API_KEYS + SERVICE_API_KEY, NODE_OPTIONS with the service's
 * heap cap (SERVICE_HEAP_MB, unless the caller's NODE_OPTIONS sets one; it takes effect in a
 * process of its own, as `start:services` runs them) and, for the gateway, the webhook port and
 * `providerEnv` (which wins over the caller's). These override the caller's environment: see
 * {@link STACK_SET_VARIABLES}.
 */
export function serviceEnv(service: ServiceName, input: StackEnvInput): Record<string, string | undefined> {
  const host = input.host ?? '127.0.0.1';
  const env: Record<string, string | undefined> = {
    ...input.base,
    DATABASE_URL: input.databaseUrl,
    DATABASE_SCHEMA: input.base[`${service.toUpperCase()}_DATABASE_SCHEMA`] ?? service,
    NATS_URL: input.natsUrl,
    GRPC_HOST: host,
    GRPC_PORT: String(input.ports.grpc[service]),
    OTEL_SERVICE_NAME: service,
    NOTIFY_API_KEYS: input.keys.apiKeys,
    SERVICE_API_KEY: input.keys.serviceKey,
    NODE_OPTIONS: heapCapNodeOptions(input.base['NODE_OPTIONS'], SERVICE_HEAP_MB[service]),
  };
  for (const callee of CALLS[service]) env[`${callee.toUpperCase()}_ADDR`] = `${host}:${input.ports.grpc[callee]}`;
  if (service === 'gateway') {
    env['WEBHOOK_HOST'] = input.base['WEBHOOK_HOST'] ?? host;
    env['WEBHOOK_PORT'] = String(input.ports.webhook);
    Object.assign(env, input.providerEnv ?? {});
  }
  return env;
}

/**
 * Service variables `npm start` (the embedded laptop stack) sets when the environment leaves
 * them unset, unlike `npm run start:services` and the deployments, which keep each service's
 * own default:
 * - `RECIPIENT_RATE_LIMIT=0`: no per-recipient rate limit in the gateway. A laptop stack replays
 *   the same numbers (`npm run demo` always plays the seeds' customer 082291921583 and the same
 *   technicians), so the gateway's default of 10 an hour would DEFER the third demo run's
 *   messages within the hour.
 * An explicitly set value (even one equal to the service default) is kept.
 */
export const EMBEDDED_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({ RECIPIENT_RATE_LIMIT: '0' });

/**
 * `env` with {@link EMBEDDED_DEFAULTS} filled in where a variable is unset or blank, and the
 * names of the variables that were filled (the banner prints them among the defaults chosen).
 */
export function withEmbeddedDefaults(env: Env): { env: Env; chosen: readonly string[] } {
  const out: Record<string, string | undefined> = { ...env };
  const chosen: string[] = [];
  for (const [name, value] of Object.entries(EMBEDDED_DEFAULTS)) {
    if (env[name]?.trim()) continue;
    out[name] = value;
    chosen.push(name);
  }
  return { env: out, chosen };
}

/** True when any provider credential is set in `env` (then no simulators are started). */
export function hasProviderCredentials(env: Env): boolean {
  return PROVIDER_CREDENTIAL_VARS.some((v) => !!env[v]?.trim());
}

/**
 * Gateway variables pointing every provider at its simulator: the base URLs, stand-in
 * credentials (the simulators accept any non-empty value) and the webhook secret the
 * simulators append to their receipts.
 */
export function simulatorProviderEnv(sims: Readonly<Record<SimName, string>>, webhookSecret: string): Env {
  return {
    FONNTE_BASE_URL: sims.fonnte,
    FONNTE_TOKEN: 'sim-fonnte-token',
    WABLAS_BASE_URL: sims.wablas,
    WABLAS_TOKEN: 'sim-wablas-token',
    WABLAS_SECRET_KEY: 'sim-wablas-secret',
    TWILIO_BASE_URL: sims.twilio,
    TWILIO_ACCOUNT_SID: 'ACsimulator0000000000000000000000',
    TWILIO_AUTH_TOKEN: 'sim-twilio-auth-token',
    TWILIO_FROM: '+15005550006',
    ADVANTA_BASE_URL: sims.advanta,
    ADVANTA_API_KEY: 'sim-advanta-key',
    ADVANTA_PARTNER_ID: '1000',
    ADVANTA_SHORTCODE: 'NOTIFY',
    WEBHOOK_SECRET: webhookSecret,
  };
}
