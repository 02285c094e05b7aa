import { createHash, timingSafeEqual } from 'node:crypto';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Counter, Registry } from 'prom-client';
import { ZodError } from 'zod';
import type { Logger } from '@notify/logger';
import { verifyTwilioSignature } from '@notify/provider-contracts';
import {
  parseAdvantaDlr, parseFonnteInbound, parseFonnteStatus, parseTwilioStatus, parseWablasInbound, parseWablasStatus,
  type InboundMessage, type Parsed, type ProviderReceipt, type WebhookProvider,
} from './webhook-payloads';

/** What the pipeline does with a webhook; a throw answers 500 (the provider retries). */
export interface WebhookHandlers {
  /** A normalized receipt. Unknown message ids and duplicates are the handler's business (still 200). */
  onReceipt(receipt: ProviderReceipt): Promise<void> | void;
  /** An inbound WhatsApp message (technician reply). */
  onInbound(message: InboundMessage): Promise<void> | void;
}

export interface WebhookServerOptions {
  /** Interface to bind (default 0.0.0.0). */
  host?: string;
  /** TCP port (WEBHOOK_PORT, default 8080; 0 = any free port). */
  port: number;
  /** `?secret=` Fonnte / Wablas / Advanta must carry; undefined = those routes always answer 401. */
  webhookSecret?: string | undefined;
  /** Key of `X-Twilio-Signature`; undefined = /webhooks/twilio/status always answers 401. */
  twilioAuthToken?: string | undefined;
  /**
   * The server's URL as Twilio sees it (WEBHOOK_PUBLIC_URL, no trailing slash needed): the
   * signature is computed over `publicUrl + path + query`. Undefined = the URL the request was
   * made to (`http://<Host header><path>`), fine only without a proxy in between.
   */
  publicUrl?: string | undefined;
  handlers: WebhookHandlers;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** prom-client registry for /metrics (default: a new one); the pipeline registers its own metrics on it. */
  registry?: Registry;
  /** Clock for receipts without a provider timestamp (default `() => new Date()`). */
  clock?: () => Date;
  /**
   * The gateway's dependency readiness for `GET /readyz` (`() => runtime.readiness.state()`):
   * `ready`, and the names of the failing dependencies (`postgres`). Absent: always ready.
   */
  readiness?: () => { ready: boolean; failing: readonly string[] };
}

export interface WebhookServer {
  /** `http://<host>:<port>` actually bound (127.0.0.1 when bound to 0.0.0.0). */
  readonly url: string;
  readonly port: number;
  readonly registry: Registry;
  /** Waits for requests in flight (at most 5 s), then closes the server and every connection. Idempotent. */
  close(): Promise<void>;
}

/** Webhook outcomes counted in `notify_gateway_webhooks_total{provider,kind,outcome}`. */
export type WebhookOutcome = 'accepted' | 'ignored' | 'unauthorized' | 'malformed' | 'error';

const METRIC = 'notify_gateway_webhooks_total';

/** Constant-time equality of two strings (hashes first, so the length is not leaked either). */
function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Starts the gateway's webhook HTTP server (issue 5 "Receipts and replies"), Fastify 5 with
 * JSON and form bodies (no other content type):
 * - `POST /webhooks/fonnte/status`, `/webhooks/fonnte/inbound`, `/webhooks/wablas/status`,
 *   `/webhooks/wablas/inbound`, `/webhooks/advanta/dlr`: `?secret=` must equal `webhookSecret`
 *   (constant time) else **401**, checked when the request arrives, before the body is read (a
 *   wrong secret with a body that is not even JSON is 401, not 400).
 *   `POST /webhooks/twilio/status`: `X-Twilio-Signature` must verify (providers.md §3.3) else
 *   **401**; the signature covers the form parameters, so only a missing header (or no auth
 *   token configured) is 401 before the body is read, the full check follows the parsing (a
 *   signed but unparsable body is 400).
 * - The body is parsed (webhook-payloads.ts) into a `ProviderReceipt` / `InboundMessage`; a
 *   malformed body is **400** and no handler runs; a status with nothing to act on (Twilio
 *   `queued`, Advanta `Scheduled`, a word outside the vocabulary) is **200** without a handler
 *   call (a Fonnte in-between status with id + stateid is a `pending` receipt, handled: it carries
 *   the stateid link, providers.md §1.7); otherwise the handler is awaited and the answer is
 *   **200** (Fonnte retries anything else 15 times, providers.md §1.7), or **500** if it threw.
 * - `GET /healthz` (liveness: the process runs, no dependency is checked) → 200 `{status:"ok"}`;
 *   `GET /readyz` (readiness, from `options.readiness`) → 200 `{status:"ready"}`, or 503
 *   `{status:"not_ready", failing:["postgres"]}` while a dependency is failing;
 *   `GET /metrics` → Prometheus text of `registry` (at least
 *   `notify_gateway_webhooks_total{provider,kind,outcome}`).
 * - Every error body is `{error, problems?}` and never repeats the request URL (whose query holds
 *   the webhook secret): any other path or method → **404** `{error:"not_found"}`; a body that
 *   cannot be read once the secret / signature header passed → no handler runs, and the answer is
 *   **400** `{error:"malformed", problems:["(body): is not valid JSON"]}` (also an empty JSON body,
 *   a Content-Length that does not match), **415** `{error:"unsupported_media_type", problems}`
 *   (a content type other than JSON or form), **413** `{error:"too_large", problems}` (over
 *   256 KiB), each counted as `malformed`; an unexpected failure → **500** `{error:"internal"}`
 *   (the detail goes to the log).
 * Resolves once listening; rejects if the port cannot be bound.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { handlers, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const registry = options.registry ?? new Registry();
  const counter =
    (registry.getSingleMetric(METRIC) as Counter<'provider' | 'kind' | 'outcome'> | undefined) ??
    new Counter({ name: METRIC, help: 'Provider webhooks received, by provider, kind and outcome', labelNames: ['provider', 'kind', 'outcome'], registers: [registry] });

  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: 256 * 1024,
    forceCloseConnections: true,
    // Errors Fastify raises before routing (a URL that does not decode, `/x%?secret=…`): its own
    // body repeats the URL, secret included; answer the server's shape instead.
    frameworkErrors: (err, _req, reply) => {
      logger.warn({ code: err.code }, 'webhook rejected: unreadable request');
      void (reply as FastifyReply).code(400).send({ error: 'malformed', problems: ['(url): is not a valid URL'] });
    },
  });
  await app.register(formbody);
  // Providers post JSON or forms; a text/plain body (which Fastify reads by default) is 415 too.
  app.removeContentTypeParser('text/plain');
  // Graceful close: wait for the requests in flight (a receipt being recorded), then drop every
  // connection, idle or not (a client's pre-opened keep-alive socket that never sent a request
  // would otherwise hold close() until Node's headersTimeout, about a minute).
  let inFlight = 0;
  app.addHook('onRequest', async () => void (inFlight += 1));
  app.addHook('onResponse', async () => void (inFlight -= 1));

  type Kind = 'status' | 'inbound' | 'dlr';
  const count = (provider: WebhookProvider, kind: Kind, outcome: WebhookOutcome) => counter.inc({ provider, kind, outcome });
  /** The webhook routes by path (for the error handler's metrics and logs). */
  const webhooks = new Map<string, { provider: WebhookProvider; kind: Kind }>();

  // Fastify's own 404 body names the method and URL (`Route POST:/x?secret=… not found`),
  // query and secret included: answer a fixed body instead.
  const notFound = (reply: FastifyReply) => reply.code(404).send({ error: 'not_found' });
  app.setNotFoundHandler((_req, reply) => notFound(reply));
  // Errors before the handler (the body's content-type parser) and unexpected throws, in the
  // server's own `{error, problems}` shape instead of Fastify's `{statusCode, code, error, message}`.
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (req.is404) return notFound(reply);
    const where = webhooks.get(req.routeOptions.url ?? '');
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const [code, error, problem] = bodyProblem(err, status);
      if (where) count(where.provider, where.kind, 'malformed');
      logger.warn({ ...where, code: err.code, problem }, 'webhook rejected: unreadable body');
      return reply.code(code).send({ error, problems: [problem] });
    }
    if (where) count(where.provider, where.kind, 'error');
    logger.error({ ...where, err }, 'webhook server error');
    return reply.code(500).send({ error: 'internal' });
  });

  const secretOk = (req: FastifyRequest): boolean => {
    const given = (req.query as Record<string, unknown>)['secret'];
    return options.webhookSecret !== undefined && typeof given === 'string' && secretEquals(given, options.webhookSecret);
  };
  /** Before the body: only whether a signature can be checked at all (the full check needs the parsed params). */
  const twilioSigned = (req: FastifyRequest): boolean =>
    !!options.twilioAuthToken && typeof req.headers['x-twilio-signature'] === 'string' && req.headers['x-twilio-signature'] !== '';
  const twilioOk = (req: FastifyRequest): boolean => {
    if (!options.twilioAuthToken) return false;
    const base = options.publicUrl ? options.publicUrl.replace(/\/+$/, '') : `${req.protocol}://${req.host}`;
    const sig = req.headers['x-twilio-signature'];
    const params = (req.body ?? {}) as Record<string, string | string[]>;
    return verifyTwilioSignature(options.twilioAuthToken, typeof sig === 'string' ? sig : undefined, base + req.url, params);
  };

  /**
   * One webhook route. `auth.beforeBody` runs in `onRequest` (query and headers only, before the
   * body is read, so a caller without the secret never learns how its body parses);
   * `auth.afterBody`, when given, runs on the parsed body (Twilio's signature).
   */
  function route<T>(
    provider: WebhookProvider,
    kind: Kind,
    path: string,
    auth: { beforeBody: (req: FastifyRequest) => boolean; afterBody?: (req: FastifyRequest) => boolean },
    parse: (body: unknown, now: Date) => Parsed<T>,
    handle: (value: T) => Promise<void> | void,
  ) {
    const unauthorized = (reply: FastifyReply) => {
      count(provider, kind, 'unauthorized');
      logger.warn({ provider, kind }, 'webhook rejected: bad secret or signature');
      return reply.code(401).send({ error: 'unauthorized' });
    };
    const onRequest = async (req: FastifyRequest, reply: FastifyReply) => {
      if (!auth.beforeBody(req)) return unauthorized(reply);
    };
    webhooks.set(path, { provider, kind });
    app.post(path, { onRequest }, async (req: FastifyRequest, reply: FastifyReply) => {
      if (auth.afterBody && !auth.afterBody(req)) return unauthorized(reply);
      let parsed: Parsed<T>;
      try {
        parsed = parse(req.body, clock());
      } catch (err) {
        if (!(err instanceof ZodError)) throw err;
        count(provider, kind, 'malformed');
        // A field the body lacks, or gives empty, says so (zod's own words are "Invalid input", "Too small: …").
        const problems = err.issues.map((i) => {
          const value = i.path.length > 0 ? valueAt(req.body, i.path) : null;
          return `${i.path.join('.') || '(body)'}: ${value === undefined ? 'required' : value === '' ? 'required (empty)' : i.message}`;
        });
        logger.warn({ provider, kind, problems }, 'webhook rejected: malformed body');
        return reply.code(400).send({ error: 'malformed', problems });
      }
      if (parsed.kind === 'ignored') {
        count(provider, kind, 'ignored');
        return reply.code(200).send({ ok: true, ignored: parsed.reason });
      }
      try {
        await handle(parsed.value);
      } catch (err) {
        count(provider, kind, 'error');
        logger.error({ provider, kind, err }, 'webhook handler failed');
        return reply.code(500).send({ error: 'internal' });
      }
      count(provider, kind, 'accepted');
      return reply.code(200).send({ ok: true });
    });
  }

  const ok = <T>(f: (b: unknown) => T) => (b: unknown): Parsed<T> => ({ kind: 'ok', value: f(b) });
  const onReceipt = (r: ProviderReceipt) => handlers.onReceipt(r);
  const onInbound = (m: InboundMessage) => handlers.onInbound(m);
  const secret = { beforeBody: secretOk };
  route('fonnte', 'status', '/webhooks/fonnte/status', secret, parseFonnteStatus, onReceipt);
  route('fonnte', 'inbound', '/webhooks/fonnte/inbound', secret, ok(parseFonnteInbound), onInbound);
  route('wablas', 'status', '/webhooks/wablas/status', secret, parseWablasStatus, onReceipt);
  route('wablas', 'inbound', '/webhooks/wablas/inbound', secret, ok(parseWablasInbound), onInbound);
  route('twilio', 'status', '/webhooks/twilio/status', { beforeBody: twilioSigned, afterBody: twilioOk }, parseTwilioStatus, onReceipt);
  route('advanta', 'dlr', '/webhooks/advanta/dlr', secret, parseAdvantaDlr, onReceipt);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const state = options.readiness?.() ?? { ready: true, failing: [] };
    return state.ready ? { status: 'ready' } : reply.code(503).send({ status: 'not_ready', failing: [...state.failing] });
  });
  app.get('/metrics', async (_req, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));

  const host = options.host ?? '0.0.0.0';
  await app.listen({ host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  logger.info({ host, port }, 'webhook server listening');
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const until = Date.now() + 5000;
    while (inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await app.close();
  };
  return { url: `http://${shownHost}:${port}`, port, registry, close: () => (closing ??= close()) };
}

/**
 * Status, `error` and problem text (fixed wording: neither the URL nor the body is repeated) of a
 * 4xx Fastify raised before a webhook handler ran (its content-type parser).
 */
function bodyProblem(err: FastifyError, status: number): [number, string, string] {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return [415, 'unsupported_media_type', '(body): content-type must be application/json or application/x-www-form-urlencoded'];
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return [413, 'too_large', '(body): is larger than 256 KiB'];
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return [400, 'malformed', '(body): is empty (content-type application/json)'];
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return [400, 'malformed', '(body): its length does not match Content-Length'];
    default:
      // Invalid JSON (FST_ERR_CTP_INVALID_JSON_BODY, or the parser's SyntaxError) and any other
      // unreadable request.
      return [status, 'malformed', err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? '(body): is not valid JSON' : `(body): cannot be read${err.code ? ` (${err.code})` : ''}`];
  }
}

/** The value at `path` in a parsed body (undefined when any step is missing or not an object). */
function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = body;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}
