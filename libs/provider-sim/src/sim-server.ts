/**
 * The machinery every provider simulator shares: a Fastify 5 server that can really stop
 * listening (fault `down`), the fault knobs, the record of accepted messages, receipts posted
 * in order to a webhook, the `/__sim/*` control API, and body parsing for the encodings the
 * providers accept (JSON, `application/x-www-form-urlencoded`, `multipart/form-data`).
 *
 * Provider-specific behaviour (routes, bodies, receipt formats) lives in `<provider>.sim.ts`;
 * each of those files documents which providers.md section and confidence level it follows.
 *
 * Faults act on the provider's send routes only (status look-ups, device info and the control
 * API answer normally), except `down` with `refuse` (the default), which closes the port.
 *
 * Control API (on every simulator's own port):
 *   GET    /__sim/messages   → 200 JSON array of accepted messages (see `SimMessage`), oldest first
 *   DELETE /__sim/messages   → 204; forgets messages, webhook log and stats, cancels pending receipts
 *   GET    /__sim/fault      → 200 `{ "fault": SimFault | null }`
 *   POST   /__sim/fault      → 200 `{ "fault": SimFault }`; 400 `{ "error" }` on a bad body
 *                               (the POST bodies are JSON; JSON text sent as text/plain or
 *                               form-encoded, as `curl -d` does, is read as JSON too)
 *   DELETE /__sim/fault      → 200 `{ "fault": null }` (after a refusing `down` the port is
 *                               closed, so over HTTP give that fault a `duration_ms`)
 *   GET    /__sim/webhooks   → 200 JSON array of webhook posts made (receipts and inbound)
 *   POST   /__sim/receipt    → `{ "id", "status": "sent"|"delivered"|"read"|"failed",
 *                                "error_code"?, "provider_status"? }` posts one receipt now;
 *                               200 WebhookRecord, 404 unknown id, 409 no webhook URL / stage
 *   POST   /__sim/inbound    → `{ "from", "text", "name"?, "group"? }` (Fonnte, Wablas only)
 *                               posts the provider's inbound-message webhook; 200 WebhookRecord
 *   GET    /__sim/stats      → 200 `{ requests, accepted, rejected, faulted }`
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { z } from 'zod';

export type ProviderName = 'fonnte' | 'wablas' | 'twilio' | 'advanta';

/** How to send a control API body (`POST /__sim/…`). */
const CONTROL_JSON_HINT = "send the body as JSON with Content-Type: application/json (curl -H 'content-type: application/json' -d '{\"mode\":\"down\"}')";

/**
 * A control API body as JSON whatever content type it came with (QA: `curl -d '{"mode":"down"}'`
 * sends it form-encoded, and the schema saw one odd key): JSON text given as text/plain, or as
 * the single empty-valued key of a form body, is parsed; anything else is returned as it is.
 */
function controlBody(body: unknown): unknown {
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return body;
    }
  };
  if (typeof body === 'string') return parse(body);
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const entries = Object.entries(body as Record<string, unknown>);
    if (entries.length === 1 && entries[0]![0].trim().startsWith('{') && entries[0]![1] === '') return parse(entries[0]![0]);
  }
  return body;
}

/** A control API 400's text: zod's problems, and how to send JSON when the body was not sent as JSON. */
function controlError(error: z.ZodError, request: FastifyRequest): string {
  const json = /^application\/json\b/i.test(String(request.headers['content-type'] ?? ''));
  return json ? z.prettifyError(error) : `${z.prettifyError(error)}\n(${CONTROL_JSON_HINT})`;
}


/** A receipt stage in the simulator's own vocabulary; each provider maps it to its wording. */
export type ReceiptStage = 'sent' | 'delivered' | 'read' | 'failed';

/** What the simulator last told the webhook about a message (`accepted` = no receipt yet). */
export type SimMessageStatus = 'accepted' | ReceiptStage;

/** One accepted message (one recipient). Provider files extend it with their extras. */
export interface SimMessage {
  provider: ProviderName;
  /** The provider's message id, as a string (Fonnte/Advanta integers are stringified). */
  id: string;
  /** Recipient as the provider recorded it (after its own normalisation). */
  to: string;
  /** Message text as it will be delivered (after any provider-side substitution). */
  text: string;
  /** Acceptance time, ISO-8601 from the simulator clock. */
  at: string;
  status: SimMessageStatus;
}

/**
 * When receipts are posted, in ms after acceptance (offsets, not gaps). `null` skips a stage.
 * Receipts are posted strictly in order sent → delivered → read, each after the previous post
 * finished, even if the offsets are equal.
 */
export interface ReceiptDelaysMs {
  sent: number | null;
  delivered: number | null;
  read: number | null;
}

export const DEFAULT_RECEIPT_DELAYS_MS: Readonly<ReceiptDelaysMs> = Object.freeze({ sent: 50, delivered: 150, read: 300 });

/** Minimal logger (pino's `info(obj, msg)` signature). Phones masked, no message bodies. */
export interface SimLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Options every simulator takes. */
export interface CommonSimOptions {
  /** TCP port; 0 = any free port. Each provider has its own default (8091…8094). */
  port?: number;
  /** Interface to bind; default `127.0.0.1` (use `0.0.0.0` in a container). */
  host?: string;
  /**
   * Where status receipts go (Fonnte status webhook, Wablas tracking webhook, Advanta DLR
   * callback; for Twilio only the Messaging Service callback, see twilio.sim.ts).
   * Unset: nothing is posted, but messages still move through their stages (visible in
   * `messages()`, Twilio's GET and Advanta's getdlr).
   */
  webhookUrl?: string;
  /** Shared secret appended as `?secret=<secret>` to webhook URLs (Fonnte, Wablas, Advanta). */
  webhookSecret?: string;
  /**
   * Receipt timing (default 50/150/300 ms); `false` disables automatic receipts and stage
   * changes (manual `sendReceipt` still works). Turn them off for load tests: each accepted
   * message otherwise costs up to three webhook posts.
   */
  receiptDelaysMs?: Partial<ReceiptDelaysMs> | false;
  /** Per-webhook-post timeout in ms (default 5000). Webhooks are best effort, never retried. */
  webhookTimeoutMs?: number;
  /** Clock for `at` and webhook timestamps (default `() => new Date()`); timers use real time. */
  clock?: () => Date;
  logger?: SimLogger;
}

/**
 * A fault applied to the provider's send route(s).
 * - `down`: with `refuse` (default true) the simulator really stops listening, so clients get
 *   ECONNREFUSED; the listener comes back on `clearFault()` / `DELETE /__sim/fault` is then
 *   unreachable, so over HTTP give `duration_ms`, or use `refuse: false`: connections are
 *   accepted and every send request's socket is destroyed without an answer (a socket error
 *   for the client), while the control API stays reachable.
 * - `http_500`: HTTP 500 with the provider's error body (`reason` in it where the format has a
 *   text field); nothing is recorded. With `retry_after_s`: HTTP 503 with that `Retry-After`.
 * - `slow`: the message is accepted and recorded at once, the answer comes after `delay_ms`
 *   (default 5000): an ambiguous timeout for a caller with a shorter timeout.
 * - `status_false`: the provider's business-failure answer (HTTP 200 `status:false` for
 *   Fonnte/Wablas, an error `response-code` for Advanta, a 4xx error JSON for Twilio) carrying
 *   `reason` (and `code` where the provider has codes); nothing is recorded.
 * `retry_after_s`: the `Retry-After` header (seconds) of a rate-limit answer (Twilio
 *   `status_false` with code 20429 → HTTP 429; default 1), or of an `http_500` fault (then 503).
 * `times`: only the next N send requests are affected, then the fault clears itself.
 * `duration_ms`: the fault clears itself after this many ms.
 */
export const simFaultSchema = z
  .object({
    mode: z.enum(['down', 'http_500', 'slow', 'status_false']),
    reason: z.string().min(1).optional(),
    delay_ms: z.number().int().min(0).max(600_000).optional(),
    code: z.number().int().optional(),
    times: z.number().int().min(1).optional(),
    duration_ms: z.number().int().min(1).max(86_400_000).optional(),
    refuse: z.boolean().optional(),
    retry_after_s: z.number().int().min(0).max(86_400).optional(),
  })
  .strict();
export type SimFault = z.infer<typeof simFaultSchema>;

/** A webhook post the simulator made (receipt or inbound message). */
export interface WebhookRecord {
  kind: 'receipt' | 'inbound';
  messageId?: string;
  stage?: ReceiptStage;
  url: string;
  /** Time the post was made, ISO-8601 (simulator clock). */
  at: string;
  contentType: 'json' | 'form';
  payload: Record<string, unknown>;
  /** Extra request headers sent (e.g. `X-Twilio-Signature`). */
  headers: Record<string, string>;
  /** HTTP status the receiver answered; absent when the post failed. */
  httpStatus?: number;
  /** Error code/message when the post failed (e.g. `ECONNREFUSED`, `TimeoutError`). */
  error?: string;
}

export interface SimStats {
  /** Requests to send routes (including faulted and rejected ones). */
  requests: number;
  /** Messages accepted (one per recipient). */
  accepted: number;
  /** Send requests answered with a provider error and nothing accepted. */
  rejected: number;
  /** Send requests hit by a fault (down with refuse:false, http_500, status_false, slow). */
  faulted: number;
}

/** A provider answer: HTTP status, JSON body, extra headers. */
export interface SimReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A webhook to post, built by the provider file. */
export interface OutgoingWebhook {
  url: string;
  contentType: 'json' | 'form';
  payload: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface ReceiptOptions {
  /** Provider error code for a failed receipt (Twilio `ErrorCode`, Wablas `note`…). */
  errorCode?: string | number;
  /** Overrides the provider's status wording (e.g. Twilio `failed` instead of `undelivered`). */
  providerStatus?: string;
}

export interface InboundInput {
  /** Sender phone number (digits, e.g. `6282291921583`). */
  from: string;
  text: string;
  /** Sender's WhatsApp display name. */
  name?: string;
  /** Group id when the message was written in a group (`120363…@g.us`). */
  group?: string;
}

/** What the start functions return. */
export interface SimHandle<M extends SimMessage = SimMessage> {
  readonly provider: ProviderName;
  /** Base URL, e.g. `http://127.0.0.1:8091` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Accepted messages, oldest first (copies). */
  messages(): M[];
  /** Forgets messages, webhook log and stats; cancels pending receipts. Keeps the fault. */
  reset(): void;
  setFault(fault: SimFault): Promise<void>;
  clearFault(): Promise<void>;
  currentFault(): SimFault | null;
  /** Webhook posts made so far (copies). */
  webhooks(): WebhookRecord[];
  /** Posts one receipt for `messageId` now. Throws `SimError` (404/409) when impossible. */
  sendReceipt(messageId: string, stage: ReceiptStage, options?: ReceiptOptions): Promise<WebhookRecord>;
  /** Resolves once no automatic receipt is pending or in flight. */
  whenReceiptsIdle(): Promise<void>;
  stats(): SimStats;
  close(): Promise<void>;
}

/** Simulators with an inbound-message webhook (Fonnte, Wablas). */
export interface InboundCapable {
  /** Posts the provider's inbound-message webhook (a technician replying `1`). */
  simulateInbound(input: InboundInput): Promise<WebhookRecord>;
}

/** Error with an HTTP status, used by the control API. */
export class SimError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'SimError';
  }
}

/** Provider hooks the core calls. */
export interface ProviderHooks<M extends SimMessage> {
  provider: ProviderName;
  /** Body of the `http_500` fault. */
  http500(fault: SimFault): SimReply;
  /** Provider business failure for the `status_false` fault. */
  statusFalse(fault: SimFault): SimReply;
  /**
   * The stages a message goes through automatically, in order (default sent, delivered, read).
   * SMS providers have no `read`.
   */
  stages?(message: M): readonly ReceiptStage[];
  /** Provider bookkeeping when a message reaches a stage (e.g. Twilio's resource status). */
  onStage?(message: M, stage: ReceiptStage, options: ReceiptOptions): void;
  /**
   * The receipt webhook for a stage (pure: no side effects), or null when there is nowhere to
   * post it (no webhook URL / no callback on the message).
   */
  receiptFor(message: M, stage: ReceiptStage, options: ReceiptOptions): OutgoingWebhook | null;
  /** The inbound-message webhook, for providers that have one. */
  inboundFor?(input: InboundInput): OutgoingWebhook | null;
  /** Answer for an unparseable body (bad JSON / multipart); default 400 `{ error }`. */
  malformed?(message: string): SimReply;
}

/** Context a send handler gets: records accepted messages. */
export interface SendContext<M extends SimMessage> {
  accept(message: M): void;
  now(): Date;
}

type Fields = Record<string, unknown>;

/** Masks a phone number for logs: keeps the first 4 and last 2 characters. */
export function maskPhone(value: string): string {
  if (value.length <= 6) return '***';
  return `${value.slice(0, 4)}${'*'.repeat(value.length - 6)}${value.slice(-2)}`;
}

/** First string value of a parsed form/JSON field (numbers and booleans stringified). */
export function fieldString(value: unknown): string | undefined {
  if (Array.isArray(value)) return fieldString(value[0]);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The request's fields: the parsed body when it is an object, else `{}`. */
export function bodyFields(request: FastifyRequest): Fields {
  const body = request.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Fields) : {};
}

/** Query parameters as fields. */
export function queryFields(request: FastifyRequest): Fields {
  const q = request.query;
  return q && typeof q === 'object' ? (q as Fields) : {};
}

/** Appends `secret=<secret>` to a URL when a secret is configured. */
export function withSecret(url: string, secret: string | undefined): string {
  if (!secret) return url;
  const u = new URL(url);
  u.searchParams.set('secret', secret);
  return u.toString();
}

const inboundSchema = z.object({
  from: z.string().min(1),
  text: z.string(),
  name: z.string().optional(),
  group: z.string().min(1).optional(),
});
const receiptSchema = z.object({
  id: z.union([z.string().min(1), z.number()]),
  status: z.enum(['sent', 'delivered', 'read', 'failed']),
  error_code: z.union([z.string(), z.number()]).optional(),
  provider_status: z.string().min(1).optional(),
});

/**
 * One simulator: owns the Fastify app and the listening socket. Provider files register their
 * routes with `sendRoute` / `route` and then call `start()`.
 */
export class SimServer<M extends SimMessage> implements SimHandle<M> {
  readonly app: FastifyInstance;
  private readonly server: Server;
  private readonly host: string;
  private boundPort: number;
  private readonly delays: ReceiptDelaysMs | null;
  private readonly clock: () => Date;
  private readonly logger?: SimLogger;
  private readonly webhookTimeoutMs: number;

  private readonly store: M[] = [];
  private readonly byId = new Map<string, M>();
  private readonly webhookLog: WebhookRecord[] = [];
  private counters: SimStats = { requests: 0, accepted: 0, rejected: 0, faulted: 0 };

  private fault: SimFault | null = null;
  private faultRemaining: number | null = null;
  private faultTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private started = false;

  /** Bumped by reset/close: receipt chains of an older generation stop. */
  private generation = 0;
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void; receipt: boolean }>();
  private readonly pending = new Set<Promise<void>>();
  private abort = new AbortController();

  constructor(
    private readonly hooks: ProviderHooks<M>,
    options: CommonSimOptions,
    defaultPort: number,
  ) {
    this.host = options.host ?? '127.0.0.1';
    this.boundPort = options.port ?? defaultPort;
    this.delays =
      options.receiptDelaysMs === false ? null : { ...DEFAULT_RECEIPT_DELAYS_MS, ...(options.receiptDelaysMs ?? {}) };
    this.clock = options.clock ?? (() => new Date());
    this.logger = options.logger;
    this.webhookTimeoutMs = options.webhookTimeoutMs ?? 5000;

    this.app = Fastify({
      logger: false,
      routerOptions: { ignoreTrailingSlash: true },
      bodyLimit: 5 * 1024 * 1024,
      // Requests from an HTTP client that keeps connections alive must not pin the server.
      keepAliveTimeout: 5000,
    });
    this.server = this.app.server;
    void this.app.register(formbody);
    // multipart/form-data (Fonnte's official PHP examples post arrays with curl, i.e. multipart):
    // parsed by the platform's WHATWG FormData parser; files are kept as `[file:<name>]`.
    this.app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, async (request: FastifyRequest, body: Buffer) => {
      const contentType = String(request.headers['content-type'] ?? '');
      const form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
      const out: Record<string, string | string[]> = {};
      for (const [key, value] of form.entries()) {
        const v = typeof value === 'string' ? value : `[file:${value.name}]`;
        const prev = out[key];
        out[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      return out;
    });
    this.app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      // The control API takes JSON: say how to send it (QA: a bare "Unsupported Media Type").
      if (status === 415 && request.url.startsWith('/__sim/')) return reply.code(415).send({ error: `${error.message}: ${CONTROL_JSON_HINT}` });
      if (status === 400 && this.hooks.malformed) {
        const r = this.hooks.malformed(error.message);
        return reply.code(r.status).headers(r.headers ?? {}).send(r.body);
      }
      return reply.code(status).send({ error: error.message });
    });
    this.registerControlApi();
  }

  get provider(): ProviderName {
    return this.hooks.provider;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const host = this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}`;
  }

  now(): Date {
    return this.clock();
  }

  /**
   * Registers a provider send route. Faults apply here: `down` (refuse:false) destroys the
   * socket, `http_500` / `status_false` answer without calling the handler, `slow` runs the
   * handler (the message is accepted) and answers after the delay.
   */
  sendRoute(
    method: 'GET' | 'POST',
    path: string,
    handler: (request: FastifyRequest, ctx: SendContext<M>) => SimReply | Promise<SimReply>,
  ): void {
    this.app.route({
      method,
      url: path,
      handler: async (request, reply) => {
        this.counters.requests++;
        const fault = this.takeFault();
        if (fault) this.counters.faulted++;
        if (fault?.mode === 'down') {
          reply.hijack();
          request.raw.socket.destroy();
          return;
        }
        if (fault?.mode === 'http_500') {
          const r = this.hooks.http500(fault);
          // With retry_after_s: 503 Service Unavailable + Retry-After (RFC 9110 §15.6.4), the provider's error body.
          return this.send(reply, fault.retry_after_s === undefined ? r : { ...r, status: 503, headers: { ...r.headers, 'retry-after': String(fault.retry_after_s) } });
        }
        if (fault?.mode === 'status_false') return this.send(reply, this.hooks.statusFalse(fault));
        let accepted = 0;
        const result = await handler(request, {
          accept: (m) => {
            accepted++;
            this.accept(m);
          },
          now: () => this.clock(),
        });
        if (accepted === 0) this.counters.rejected++;
        if (fault?.mode === 'slow') await this.sleep(fault.delay_ms ?? 5000, false);
        return this.send(reply, result);
      },
    });
  }

  /** Registers a provider route that is not a send (status look-ups, device info). */
  route(method: 'GET' | 'POST', path: string, handler: (request: FastifyRequest) => SimReply | Promise<SimReply>): void {
    this.app.route({ method, url: path, handler: async (request, reply) => this.send(reply, await handler(request)) });
  }

  /** Finds an accepted message (the live object, for provider files). */
  find(id: string): M | undefined {
    return this.byId.get(id);
  }

  /** Binds the port. Resolves once listening. */
  async start(): Promise<this> {
    if (this.started) return this;
    this.started = true;
    await this.app.ready();
    await this.listen();
    return this;
  }

  messages(): M[] {
    return this.store.map((m) => structuredClone(m));
  }

  reset(): void {
    this.cancelReceipts();
    this.store.length = 0;
    this.byId.clear();
    this.webhookLog.length = 0;
    this.counters = { requests: 0, accepted: 0, rejected: 0, faulted: 0 };
  }

  currentFault(): SimFault | null {
    return this.fault ? { ...this.fault } : null;
  }

  async setFault(fault: SimFault): Promise<void> {
    const parsed = simFaultSchema.parse(fault);
    this.armFault(parsed);
    if (parsed.mode === 'down' && parsed.refuse !== false) await this.stopListening();
    else if (!this.closed && this.started && !this.server.listening) await this.listen();
  }

  async clearFault(): Promise<void> {
    this.disarmFault();
    if (!this.closed && this.started && !this.server.listening) await this.listen();
  }

  webhooks(): WebhookRecord[] {
    return this.webhookLog.map((w) => structuredClone(w));
  }

  stats(): SimStats {
    return { ...this.counters };
  }

  async sendReceipt(messageId: string, stage: ReceiptStage, options: ReceiptOptions = {}): Promise<WebhookRecord> {
    const message = this.byId.get(messageId);
    if (!message) throw new SimError(404, `no accepted message with id ${messageId}`);
    if (stage !== 'failed' && !this.stagesOf(message).includes(stage)) {
      throw new SimError(409, `${this.provider} has no ${stage} receipt for message ${messageId}`);
    }
    const hook = this.hooks.receiptFor(message, stage, options);
    if (!hook) throw new SimError(409, `no webhook URL for the receipts of message ${messageId}`);
    this.reachStage(message, stage, options);
    return this.post('receipt', hook, message.id, stage);
  }

  async simulateInbound(input: InboundInput): Promise<WebhookRecord> {
    const hook = this.hooks.inboundFor?.(input);
    if (!hook) throw new SimError(409, `${this.provider} simulator has no inbound webhook URL configured`);
    return this.post('inbound', hook);
  }

  async whenReceiptsIdle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.disarmFault();
    this.cancelReceipts();
    this.cancelSleeps(false);
    this.abort.abort();
    await Promise.allSettled([...this.pending]);
    if (this.server.listening) this.server.closeAllConnections();
    await this.app.close();
  }

  // ---- internals -------------------------------------------------------------------------

  private send(reply: FastifyReply, r: SimReply): FastifyReply {
    return reply.code(r.status).headers(r.headers ?? {}).send(r.body);
  }

  private accept(message: M): void {
    this.store.push(message);
    this.byId.set(message.id, message);
    this.counters.accepted++;
    this.logger?.info({ provider: this.provider, id: message.id, to: maskPhone(message.to) }, 'provider-sim: message accepted');
    this.scheduleReceipts(message);
  }

  private takeFault(): SimFault | null {
    const fault = this.fault;
    if (!fault) return null;
    if (this.faultRemaining !== null) {
      this.faultRemaining--;
      if (this.faultRemaining <= 0) this.disarmFault();
    }
    return fault;
  }

  private armFault(fault: SimFault): void {
    this.disarmFault();
    this.fault = fault;
    this.faultRemaining = fault.times ?? null;
    if (fault.duration_ms) {
      this.faultTimer = setTimeout(() => void this.clearFault().catch(() => undefined), fault.duration_ms);
      // A refusing `down` closes the listener: then this timer is what keeps the process alive
      // until the simulator listens again (QA: with all four down, `npm run sim` exited silently).
      if (fault.mode !== 'down' || fault.refuse === false) this.faultTimer.unref();
    }
    this.logger?.info({ provider: this.provider, fault }, 'provider-sim: fault set');
  }

  private disarmFault(): void {
    if (this.faultTimer) clearTimeout(this.faultTimer);
    this.faultTimer = null;
    if (this.fault) this.logger?.info({ provider: this.provider }, 'provider-sim: fault cleared');
    this.fault = null;
    this.faultRemaining = null;
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ port: this.boundPort, host: this.host }, () => {
        this.server.off('error', onError);
        this.boundPort = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private stopListening(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private scheduleReceipts(message: M): void {
    const delays = this.delays;
    if (!delays) return;
    const generation = this.generation;
    const stages = this.stagesOf(message).filter((s) => s !== 'failed' && delays[s] !== null) as Array<keyof ReceiptDelaysMs>;
    const t0 = Date.now();
    const chain = (async () => {
      for (const stage of stages) {
        const wait = t0 + (delays[stage] ?? 0) - Date.now();
        if (wait > 0) await this.sleep(wait, true);
        if (this.closed || generation !== this.generation) return;
        // A manual failed receipt ends the automatic sequence.
        if (message.status === 'failed') return;
        const hook = this.hooks.receiptFor(message, stage, {});
        this.reachStage(message, stage, {});
        if (hook) await this.post('receipt', hook, message.id, stage);
      }
    })();
    const tracked = chain.catch((err: unknown) => {
      this.logger?.warn({ provider: this.provider, err: String(err) }, 'provider-sim: receipt chain failed');
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  private stagesOf(message: M): readonly ReceiptStage[] {
    return this.hooks.stages?.(message) ?? ['sent', 'delivered', 'read'];
  }

  private reachStage(message: M, stage: ReceiptStage, options: ReceiptOptions): void {
    message.status = stage;
    this.hooks.onStage?.(message, stage, options);
  }

  /** A timer that `reset()` (receipt sleeps) or `close()` (all sleeps) ends early. */
  private sleep(ms: number, receipt: boolean): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleepers.delete(entry);
          resolve();
        }, ms),
        resolve,
        receipt,
      };
      this.sleepers.add(entry);
    });
  }

  private cancelSleeps(receiptsOnly: boolean): void {
    for (const s of this.sleepers) {
      if (receiptsOnly && !s.receipt) continue;
      clearTimeout(s.timer);
      s.resolve();
      this.sleepers.delete(s);
    }
  }

  private cancelReceipts(): void {
    this.generation++;
    this.cancelSleeps(true);
  }

  private async post(kind: WebhookRecord['kind'], hook: OutgoingWebhook, messageId?: string, stage?: ReceiptStage): Promise<WebhookRecord> {
    const record: WebhookRecord = {
      kind,
      ...(messageId !== undefined ? { messageId } : {}),
      ...(stage !== undefined ? { stage } : {}),
      url: hook.url,
      at: this.clock().toISOString(),
      contentType: hook.contentType,
      payload: structuredClone(hook.payload) as Record<string, unknown>,
      headers: { ...(hook.headers ?? {}) },
    };
    const body =
      hook.contentType === 'json'
        ? JSON.stringify(hook.payload)
        : new URLSearchParams(Object.entries(hook.payload).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const headers: Record<string, string> = {
      'content-type': hook.contentType === 'json' ? 'application/json' : 'application/x-www-form-urlencoded; charset=utf-8',
      'user-agent': `notify-provider-sim/${this.provider}`,
      ...(hook.headers ?? {}),
    };
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.webhookTimeoutMs), this.abort.signal]),
      });
      record.httpStatus = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.status !== 200) {
        this.logger?.warn({ provider: this.provider, kind, stage, status: res.status }, 'provider-sim: webhook answered non-200');
      }
    } catch (err) {
      const e = err as { name?: string; message?: string; cause?: { code?: string } };
      record.error = e.cause?.code ?? e.name ?? e.message ?? String(err);
      this.logger?.warn({ provider: this.provider, kind, stage, error: record.error }, 'provider-sim: webhook post failed');
    }
    this.webhookLog.push(record);
    return structuredClone(record);
  }

  private registerControlApi(): void {
    const app = this.app;
    app.get('/__sim/messages', async () => this.messages());
    app.delete('/__sim/messages', async (_req, reply) => {
      this.reset();
      return reply.code(204).send();
    });
    app.get('/__sim/stats', async () => this.stats());
    app.get('/__sim/webhooks', async () => this.webhooks());
    app.get('/__sim/fault', async () => ({ fault: this.currentFault() }));
    app.post('/__sim/fault', async (request, reply) => {
      const parsed = simFaultSchema.safeParse(controlBody(request.body));
      if (!parsed.success) return reply.code(400).send({ error: controlError(parsed.error, request) });
      const fault = parsed.data;
      this.armFault(fault);
      if (fault.mode === 'down' && fault.refuse !== false) {
        // Answer first, then stop listening (the answer would otherwise never leave).
        reply.raw.once('finish', () => void this.stopListening());
        void reply.header('connection', 'close');
      }
      return reply.send({ fault });
    });
    app.delete('/__sim/fault', async () => {
      await this.clearFault();
      return { fault: null };
    });
    app.post('/__sim/receipt', async (request, reply) => {
      const parsed = receiptSchema.safeParse(controlBody(request.body));
      if (!parsed.success) return reply.code(400).send({ error: controlError(parsed.error, request) });
      const { id, status, error_code, provider_status } = parsed.data;
      try {
        return await this.sendReceipt(String(id), status, {
          ...(error_code !== undefined ? { errorCode: error_code } : {}),
          ...(provider_status !== undefined ? { providerStatus: provider_status } : {}),
        });
      } catch (err) {
        if (err instanceof SimError) return reply.code(err.httpStatus).send({ error: err.message });
        throw err;
      }
    });
    if (this.hooks.inboundFor) {
      app.post('/__sim/inbound', async (request, reply) => {
        const parsed = inboundSchema.safeParse(controlBody(request.body));
        if (!parsed.success) return reply.code(400).send({ error: controlError(parsed.error, request) });
        try {
          return await this.simulateInbound(parsed.data as InboundInput);
        } catch (err) {
          if (err instanceof SimError) return reply.code(err.httpStatus).send({ error: err.message });
          throw err;
        }
      });
    }
  }
}
