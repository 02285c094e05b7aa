/**
 * Wablas simulator (WhatsApp, backup). Default port 8092.
 *
 * Behaviour and its source in /work/shared/reference/providers.md (confidence in brackets):
 * - The base URL is per account (`https://{server}.wablas.com`, §2.1 [high]); the simulator is
 *   one such server.
 * - Auth (§2.1 [high]): `Authorization: <token>.<secret_key>` (no `Bearer`), or `?token=` on
 *   the GET form. With a `secretKey` configured it is required; without one the token alone is
 *   accepted (older accounts). Wrong token → `token invalid` [medium]; right token, wrong or
 *   missing secret → `secret key invalid` [medium].
 * - `POST /api/send-message` (urlencoded, JSON, multipart) and `GET /api/send-message?phone=…
 *   &message=…&token=…` (§2.2 [high]): `phone`, `message`, `isGroup` (the string `"true"`;
 *   JSON `true` also accepted), `ref_id` echoed back [medium]. Numbers: a leading `+` is
 *   stripped and a leading 0 becomes 62 (§2.8 [medium]). A group id is accepted only with
 *   `isGroup=true` (§2.4 [high]); a `…@g.us` phone without it is an invalid number.
 * - `POST /api/v2/send-message` JSON `{"data":[{phone, message, isGroup?, ref_id?}, …]}`
 *   (§2.3 [high]); any invalid item rejects the whole request [low: simulator choice].
 * - Success: HTTP 200 `{status:true, message:"Message is pending and waiting to be processed",
 *   data:{device_id, quota, messages:[{id (UUID), phone, message, status:"pending",
 *   ref_id}]}}`, same envelope for v1 and v2 (§2.5 [high]).
 * - Failures: `{status:false, message:"<text>"}` (§2.6), HTTP 200 by default [medium];
 *   `failureHttpStatus: 500` reproduces the other report [low]. Texts for a missing phone or
 *   message and an invalid number are not in the sources [unknown]: the simulator says
 *   `phone number is required`, `message is required`, `invalid phone number`,
 *   `data is required` (v2). Fault `status_false` default: `device disconnected, need to scan
 *   qr code again` [high].
 * - Tracking webhook (§2.7 [medium]): JSON POST to `webhookUrl` (+`?secret=`) with
 *   `{id, phone, status, note, deviceId}`; statuses `sent`, `delivered`, `read`, failed →
 *   `failed` [low: vocabulary not documented]; `statusVocabulary:'whitelabel'` uses the
 *   white-label copy's `sent`, `received`, `read`, `reject` instead. `trackingEncoding:'form'`
 *   posts urlencoded (the sources say "form or JSON").
 * - Inbound webhook: not documented in providers.md [low]. The simulator posts JSON
 *   `{id, phone, message, pushName, isGroup, group, messageType:"text", deviceId, sender,
 *   timestamp, file:"", mimeType:""}` — public handlers read `phone` and `message` (the two
 *   fields a gateway should rely on).
 * - Not simulated: media routes, `send-group` legacy endpoint, device pacing, `secret`/
 *   `priority`/`retry`/`flag` semantics (accepted and ignored).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { applyCountryCode, plainDigits } from './phone';
import {
  SimServer,
  bodyFields,
  fieldString,
  queryFields,
  withSecret,
  type CommonSimOptions,
  type InboundCapable,
  type InboundInput,
  type OutgoingWebhook,
  type ReceiptOptions,
  type ReceiptStage,
  type SendContext,
  type SimFault,
  type SimHandle,
  type SimMessage,
  type SimReply,
} from './sim-server';

export const WABLAS_DEFAULT_PORT = 8092;

export interface WablasSimOptions extends CommonSimOptions {
  /** Accepted token. Unset: any non-empty token is accepted. */
  token?: string;
  /** Secret key; when set, `Authorization` must be `<token>.<secretKey>`. */
  secretKey?: string;
  /** `device_id` in responses and webhooks. */
  deviceId?: string;
  /** The device's own number (the inbound webhook's `sender`). */
  device?: string;
  /** Messages left (default 1,000,000), reported as `data.quota`. */
  quota?: number;
  /** Where inbound messages go (the device's `webhook_url`). */
  inboundUrl?: string;
  /** HTTP status of `status:false` answers (default 200). */
  failureHttpStatus?: 200 | 500;
  /** Tracking status words (default `wablas`: sent/delivered/read/failed). */
  statusVocabulary?: 'wablas' | 'whitelabel';
  /** Tracking webhook encoding (default `json`). */
  trackingEncoding?: 'json' | 'form';
}

export interface WablasSimMessage extends SimMessage {
  provider: 'wablas';
  isGroup: boolean;
  refId: string;
  api: 'v1' | 'v2';
  deviceId: string;
}

export type WablasSimHandle = SimHandle<WablasSimMessage> & InboundCapable;

const VOCABULARY: Record<'wablas' | 'whitelabel', Record<ReceiptStage, string>> = {
  wablas: { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed' },
  whitelabel: { sent: 'sent', delivered: 'received', read: 'read', failed: 'reject' },
};

interface Item {
  to: string;
  message: string;
  isGroup: boolean;
  refId: string;
}

/** Starts a Wablas simulator. Resolves once it listens. */
export async function startWablasSim(options: WablasSimOptions = {}): Promise<WablasSimHandle> {
  const deviceId = options.deviceId ?? 'SIM0WB';
  const device = options.device ?? '6281100000002';
  const failStatus = options.failureHttpStatus ?? 200;
  const vocabulary = VOCABULARY[options.statusVocabulary ?? 'wablas'];
  let remaining = options.quota ?? 1_000_000;

  const failure = (message: string): SimReply => ({ status: failStatus, body: { status: false, message } });

  const sim = new SimServer<WablasSimMessage>(
    {
      provider: 'wablas',
      http500: (fault: SimFault) => ({ status: 500, body: { status: false, message: fault.reason ?? 'internal server error' } }),
      statusFalse: (fault: SimFault) => failure(fault.reason ?? 'device disconnected, need to scan qr code again'),
      malformed: (msg: string) => failure(msg),
      receiptFor: (m: WablasSimMessage, stage: ReceiptStage, opts: ReceiptOptions): OutgoingWebhook | null => {
        if (!options.webhookUrl) return null;
        const note = stage === 'failed' ? String(opts.errorCode ?? 'message failed to send') : '';
        return {
          url: withSecret(options.webhookUrl, options.webhookSecret),
          contentType: options.trackingEncoding ?? 'json',
          payload: { id: m.id, phone: m.to, status: opts.providerStatus ?? vocabulary[stage], note, deviceId },
        };
      },
      inboundFor: (input: InboundInput): OutgoingWebhook | null => {
        if (!options.inboundUrl) return null;
        const isGroup = !!input.group;
        return {
          url: withSecret(options.inboundUrl, options.webhookSecret),
          contentType: 'json',
          payload: {
            id: randomUUID(),
            phone: input.from,
            message: input.text,
            pushName: input.name ?? '',
            isGroup,
            group: isGroup ? { group_id: input.group, sender: input.from } : null,
            messageType: 'text',
            deviceId,
            sender: device,
            timestamp: sim.now().toISOString(),
            file: '',
            mimeType: '',
          },
        };
      },
    },
    options,
    WABLAS_DEFAULT_PORT,
  );

  /** null = ok; otherwise the failure answer. */
  const checkAuth = (credential: string | undefined): SimReply | null => {
    if (!credential) return failure('token invalid');
    if (!options.token) return null;
    if (credential === options.token) return options.secretKey ? failure('secret key invalid') : null;
    if (!credential.startsWith(`${options.token}.`)) return failure('token invalid');
    const secret = credential.slice(options.token.length + 1);
    if (options.secretKey && secret !== options.secretKey) return failure('secret key invalid');
    return null;
  };

  const parseItem = (fields: Record<string, unknown>): Item | string => {
    const rawPhone = (fieldString(fields['phone']) ?? '').trim();
    const message = fieldString(fields['message']) ?? '';
    // The documented string "true"; a JSON `true` stringifies to the same.
    const isGroup = fieldString(fields['isGroup']) === 'true';
    const refId = fieldString(fields['ref_id']) ?? '';
    if (rawPhone === '') return 'phone number is required';
    if (message.trim() === '') return 'message is required';
    if (isGroup) {
      if (/\s/.test(rawPhone)) return 'invalid phone number';
      return { to: rawPhone, message, isGroup, refId };
    }
    const digits = plainDigits(rawPhone);
    if (!digits) return 'invalid phone number';
    return { to: applyCountryCode(digits, '62'), message, isGroup, refId };
  };

  const accept = (items: Item[], api: 'v1' | 'v2', ctx: SendContext<WablasSimMessage>): SimReply => {
    if (remaining < items.length) return failure('quota is not enough');
    remaining -= items.length;
    const at = ctx.now().toISOString();
    const messages = items.map((item) => {
      const id = randomUUID();
      ctx.accept({
        provider: 'wablas',
        id,
        to: item.to,
        text: item.message,
        at,
        status: 'accepted',
        isGroup: item.isGroup,
        refId: item.refId,
        api,
        deviceId,
      });
      return { id, phone: item.to, message: item.message, status: 'pending', ref_id: item.refId };
    });
    return {
      status: 200,
      body: {
        status: true,
        message: 'Message is pending and waiting to be processed',
        data: { device_id: deviceId, quota: remaining, messages },
      },
    };
  };

  const sendV1 = (fields: Record<string, unknown>, credential: string | undefined, ctx: SendContext<WablasSimMessage>): SimReply => {
    const authFailure = checkAuth(credential);
    if (authFailure) return authFailure;
    const item = parseItem(fields);
    if (typeof item === 'string') return failure(item);
    return accept([item], 'v1', ctx);
  };

  const headerCredential = (request: FastifyRequest): string | undefined => fieldString(request.headers['authorization']);

  sim.sendRoute('POST', '/api/send-message', (request, ctx) => sendV1(bodyFields(request), headerCredential(request), ctx));
  sim.sendRoute('GET', '/api/send-message', (request, ctx) => {
    const query = queryFields(request);
    return sendV1(query, fieldString(query['token']) ?? headerCredential(request), ctx);
  });
  sim.sendRoute('POST', '/api/v2/send-message', (request, ctx) => {
    const authFailure = checkAuth(headerCredential(request));
    if (authFailure) return authFailure;
    const data = bodyFields(request)['data'];
    if (!Array.isArray(data) || data.length === 0) return failure('data is required');
    const items: Item[] = [];
    for (const raw of data) {
      const fields = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
      const item = parseItem(fields);
      if (typeof item === 'string') return failure(item);
      items.push(item);
    }
    return accept(items, 'v2', ctx);
  });

  return sim.start();
}
