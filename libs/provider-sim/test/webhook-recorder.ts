import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the recorder received. */
export interface RecordedRequest {
  method: string;
  /** Path and query as received (e.g. `/hook?secret=s3`). */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed body: JSON object, or form fields (first value per name). */
  body: Record<string, unknown>;
}

/**
 * A tiny real HTTP server standing in for the gateway's webhook endpoints in tests: records
 * every request and answers `status` (default 200).
 */
export class WebhookRecorder {
  readonly requests: RecordedRequest[] = [];
  status = 200;
  private server!: Server;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const type = String(req.headers['content-type'] ?? '');
        let body: Record<string, unknown> = {};
        if (type.startsWith('application/json')) body = JSON.parse(rawBody) as Record<string, unknown>;
        else if (type.startsWith('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(rawBody));
        this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody, body });
        res.writeHead(this.status, { 'content-type': 'application/json' }).end('{"ok":true}');
        this.waiters = this.waiters.filter((w) => {
          if (this.requests.length >= w.n) w.resolve();
          return this.requests.length < w.n;
        });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once at least `n` requests arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs = 5000): Promise<RecordedRequest[]> {
    if (this.requests.length >= n) return Promise.resolve(this.requests.slice());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.requests.length} of ${n} webhook requests arrived`)), timeoutMs);
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.requests.slice());
        },
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** POST helper: JSON body. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
}

/** POST helper: urlencoded body. */
export function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { method: 'POST', headers, body: new URLSearchParams(fields), ...(signal ? { signal } : {}) });
}
