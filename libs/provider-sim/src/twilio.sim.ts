/**
 * Twilio Programmable Messaging simulator (SMS, and `whatsapp:` addresses). Default port 8093.
 *
 * Behaviour and its source in /work/shared/reference/providers.md (confidence in brackets):
 * - `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic `AccountSid:AuthToken`,
 *   `application/x-www-form-urlencoded` PascalCase params (§3.1 [high]). A body in any other
 *   encoding carries no params (so `To` is missing → 21604), as with the real API.
 *   Credentials: with `accountSid`/`authToken` configured they must match; without, any
 *   `AC…` user with a non-empty password is accepted. The path's AccountSid must equal the
 *   Basic-auth user. Failure → 401 `{code:20003, message:"Authenticate", more_info, status:401}`
 *   plus `WWW-Authenticate: Basic realm="Twilio API"` (§3.2 [high]).
 * - Params: `To` (E.164 with `+`, or `whatsapp:+…`, §3.1/§3.4 [high]), `From` or
 *   `MessagingServiceSid`, `Body` (≤1600 chars) or `MediaUrl`/`ContentSid`, optional
 *   `StatusCallback`. Validation errors, HTTP 400 with the 2010 error JSON (§3.2 [high]):
 *   21604 To required, 21603 From required, 21602 Body required, 21211 invalid To,
 *   21606 From not one of `fromNumbers` (when configured), 21617 body over 1600 characters,
 *   21609 invalid StatusCallback URL (21617/21609: Twilio's public error list, not in
 *   providers.md [medium]).
 * - Success: HTTP 201 + the Message resource JSON (§3.1 [high]): `sid` `SM` + 32 hex,
 *   `status` `queued` with `From`, `accepted` (with `from: null`, `num_segments:"0"`) with
 *   `MessagingServiceSid`; RFC 2822 dates; `num_*` strings; `price: null`.
 *   `GET …/Messages/{Sid}.json` returns the resource with its current status (404 20404 when
 *   unknown) — useful to settle an ambiguous timeout.
 * - Status callbacks (§3.3 [high]): form-encoded POST to the message's own `StatusCallback`
 *   (only); when the message was sent with `MessagingServiceSid` and no `StatusCallback`, to
 *   `webhookUrl` (the service's callback). Params `MessageSid, MessageStatus, SmsSid,
 *   SmsStatus, AccountSid, From, To, ApiVersion` (+`MessagingServiceSid`, +`ErrorCode` on
 *   failure), header `X-Twilio-Signature` = `twilioSignature(authToken, callbackUrl, params)`
 *   (signed with the configured auth token, else the password the request used). Sequence
 *   sent → delivered, plus read only for `whatsapp:` recipients (§3.3: read is WhatsApp-only).
 *   A failed receipt is `undelivered` with `ErrorCode` 30003 by default (§3.2 async codes
 *   [high]). No `webhookSecret` is appended: Twilio webhooks are checked by signature.
 * - Fault `status_false` (Twilio has no HTTP-200 failures): the 2010 error JSON with `code`
 *   (default 21610 "Attempt to send to unsubscribed recipient", HTTP 400; 20003 → 401,
 *   20404 → 404, 20429 → 429 with `Retry-After: <retry_after_s, default 1>`). `http_500`: 500 with code 20500.
 * - Not simulated: API-key (SK…) auth, media, scheduling (`SendAt`), callbacks for
 *   `queued`/`sending`, price updates, inbound SMS.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { twilioSignature } from '@notify/provider-contracts';
import {
  SimServer,
  bodyFields,
  fieldString,
  type CommonSimOptions,
  type OutgoingWebhook,
  type ReceiptOptions,
  type ReceiptStage,
  type SendContext,
  type SimFault,
  type SimHandle,
  type SimMessage,
  type SimReply,
} from './sim-server';

export const TWILIO_DEFAULT_PORT = 8093;
const API_VERSION = '2010-04-01';

export interface TwilioSimOptions extends CommonSimOptions {
  /** Expected AccountSid (`AC…`). Unset: any `AC…` user is accepted. */
  accountSid?: string;
  /** Expected AuthToken; also the callback signing key. Unset: any non-empty password. */
  authToken?: string;
  /** Allowed `From` values; unset: any E.164 number or alphanumeric sender id. */
  fromNumbers?: readonly string[];
  /** Sender the Messaging Service picks (`from` in callbacks for MessagingServiceSid sends). */
  serviceFrom?: string;
}

export interface TwilioSimMessage extends SimMessage {
  provider: 'twilio';
  accountSid: string;
  from: string | null;
  messagingServiceSid: string | null;
  statusCallback: string | null;
  channel: 'sms' | 'whatsapp';
  numSegments: number;
  /** Twilio's own status word (queued, accepted, sent, delivered, read, undelivered, failed). */
  twilioStatus: string;
  errorCode: number | null;
  dateSent: string | null;
  dateUpdated: string;
}

export type TwilioSimHandle = SimHandle<TwilioSimMessage>;

/** A Twilio 2010 API error. */
interface TwilioError {
  code: number;
  message: string;
  status: number;
}

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENDED = '^{}\\[~]|€\f';

/** SMS segments for a body: GSM-7 160/153 septets, else UCS-2 70/67 code units. */
export function smsSegments(body: string): number {
  let septets = 0;
  let gsm = true;
  for (const ch of body) {
    if (GSM7_BASIC.includes(ch)) septets += 1;
    else if (GSM7_EXTENDED.includes(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  const units = body.length;
  return units <= 70 ? 1 : Math.ceil(units / 67);
}

/** RFC 2822 date as Twilio writes it: `Tue, 26 Jul 2016 12:50:07 +0000`. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

const E164 = /^\+[1-9]\d{6,14}$/;
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

/** Starts a Twilio simulator. Resolves once it listens. */
export async function startTwilioSim(options: TwilioSimOptions = {}): Promise<TwilioSimHandle> {
  const signingKeys = new Map<string, string>();
  const serviceFrom = options.serviceFrom ?? '+15005550006';

  const errorReply = (e: TwilioError, headers?: Record<string, string>): SimReply => ({
    status: e.status,
    body: { code: e.code, message: e.message, more_info: `https://www.twilio.com/docs/errors/${e.code}`, status: e.status },
    ...(headers ? { headers } : {}),
  });
  const authenticate = (): SimReply =>
    errorReply({ code: 20003, message: 'Authenticate', status: 401 }, { 'www-authenticate': 'Basic realm="Twilio API"' });
  const httpStatusOf = (code: number): number =>
    code === 20003 ? 401 : code === 20404 ? 404 : code === 20429 ? 429 : code >= 20500 && code < 20600 ? 500 : 400;

  const sim = new SimServer<TwilioSimMessage>(
    {
      provider: 'twilio',
      http500: (fault: SimFault) => errorReply({ code: 20500, message: fault.reason ?? 'An internal server error has occurred', status: 500 }),
      statusFalse: (fault: SimFault) => {
        const code = fault.code ?? 21610;
        const status = httpStatusOf(code);
        return errorReply(
          { code, message: fault.reason ?? (code === 21610 ? 'Attempt to send to unsubscribed recipient' : 'Request rejected'), status },
          status === 429 ? { 'retry-after': String(fault.retry_after_s ?? 1) } : undefined,
        );
      },
      malformed: (msg: string) => errorReply({ code: 20001, message: msg, status: 400 }),
      stages: (m: TwilioSimMessage) => (m.channel === 'whatsapp' ? ['sent', 'delivered', 'read'] : ['sent', 'delivered']),
      onStage: (m: TwilioSimMessage, stage: ReceiptStage, opts: ReceiptOptions) => {
        const now = sim.now();
        m.twilioStatus = stage === 'failed' ? (opts.providerStatus ?? 'undelivered') : (opts.providerStatus ?? stage);
        if (stage === 'failed') m.errorCode = Number(opts.errorCode ?? 30003);
        if (stage === 'sent' && !m.dateSent) m.dateSent = rfc2822(now);
        if (m.from === null) m.from = serviceFrom;
        m.dateUpdated = rfc2822(now);
      },
      receiptFor: (m: TwilioSimMessage, stage: ReceiptStage, opts: ReceiptOptions): OutgoingWebhook | null => {
        const url = m.statusCallback ?? (m.messagingServiceSid ? (options.webhookUrl ?? null) : null);
        if (!url) return null;
        const status = stage === 'failed' ? (opts.providerStatus ?? 'undelivered') : (opts.providerStatus ?? stage);
        const params: Record<string, string> = {
          AccountSid: m.accountSid,
          ApiVersion: API_VERSION,
          From: m.from ?? serviceFrom,
          MessageSid: m.id,
          MessageStatus: status,
          SmsSid: m.id,
          SmsStatus: status,
          To: m.to,
        };
        if (m.messagingServiceSid) params['MessagingServiceSid'] = m.messagingServiceSid;
        if (stage === 'failed') params['ErrorCode'] = String(opts.errorCode ?? 30003);
        const key = options.authToken ?? signingKeys.get(m.id) ?? '';
        return { url, contentType: 'form', payload: params, headers: { 'x-twilio-signature': twilioSignature(key, url, params) } };
      },
    },
    options,
    TWILIO_DEFAULT_PORT,
  );

  /** The Basic-auth credentials if they are acceptable for `pathSid`, else null. */
  const credentials = (request: FastifyRequest, pathSid: string): { sid: string; token: string } | null => {
    const header = fieldString(request.headers['authorization']) ?? '';
    const match = /^Basic\s+(.+)$/i.exec(header);
    if (!match) return null;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const sid = decoded.slice(0, colon);
    const token = decoded.slice(colon + 1);
    if (sid !== pathSid || !token) return null;
    if (options.accountSid ? sid !== options.accountSid : !/^AC[0-9a-zA-Z]+$/.test(sid)) return null;
    if (options.authToken && token !== options.authToken) return null;
    return { sid, token };
  };

  const resource = (m: TwilioSimMessage): Record<string, unknown> => {
    const accepted = m.twilioStatus === 'accepted';
    return {
      account_sid: m.accountSid,
      api_version: API_VERSION,
      body: m.text,
      date_created: rfc2822(new Date(m.at)),
      date_sent: m.dateSent,
      date_updated: m.dateUpdated,
      direction: 'outbound-api',
      error_code: m.errorCode,
      error_message: null,
      from: m.from,
      messaging_service_sid: m.messagingServiceSid,
      num_media: '0',
      num_segments: accepted ? '0' : String(m.numSegments),
      price: null,
      price_unit: 'USD',
      sid: m.id,
      status: m.twilioStatus,
      subresource_uris: {
        media: `/${API_VERSION}/Accounts/${m.accountSid}/Messages/${m.id}/Media.json`,
        feedback: `/${API_VERSION}/Accounts/${m.accountSid}/Messages/${m.id}/Feedback.json`,
      },
      to: m.to,
      uri: `/${API_VERSION}/Accounts/${m.accountSid}/Messages/${m.id}.json`,
    };
  };

  const validate = (p: Record<string, unknown>): TwilioError | { to: string; from: string | null; mss: string | null; body: string; callback: string | null } => {
    const to = (fieldString(p['To']) ?? '').trim();
    const from = (fieldString(p['From']) ?? '').trim() || null;
    const mss = (fieldString(p['MessagingServiceSid']) ?? '').trim() || null;
    const body = fieldString(p['Body']) ?? '';
    const hasMedia = !!fieldString(p['MediaUrl']) || !!fieldString(p['ContentSid']);
    const callback = (fieldString(p['StatusCallback']) ?? '').trim() || null;
    if (!to) return { code: 21604, message: "A 'To' phone number is required.", status: 400 };
    if (!from && !mss) return { code: 21603, message: "A 'From' phone number is required.", status: 400 };
    if (body === '' && !hasMedia) return { code: 21602, message: 'Message body is required.', status: 400 };
    const whatsapp = to.startsWith('whatsapp:');
    if (!E164.test(whatsapp ? to.slice('whatsapp:'.length) : to)) {
      return { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 };
    }
    if (from) {
      const bare = from.startsWith('whatsapp:') ? from.slice('whatsapp:'.length) : from;
      const wellFormed = E164.test(bare) || (!from.startsWith('whatsapp:') && ALPHANUMERIC_SENDER.test(from));
      if (!wellFormed || (options.fromNumbers && !options.fromNumbers.includes(from))) {
        return {
          code: 21606,
          message: `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
          status: 400,
        };
      }
    }
    if (body.length > 1600) return { code: 21617, message: 'The concatenated message body exceeds the 1600 character limit.', status: 400 };
    if (callback) {
      let ok = false;
      try {
        ok = ['http:', 'https:'].includes(new URL(callback).protocol);
      } catch {
        ok = false;
      }
      if (!ok) return { code: 21609, message: `The StatusCallback URL ${callback} is not a valid URL.`, status: 400 };
    }
    return { to, from, mss, body, callback };
  };

  const create = (request: FastifyRequest, ctx: SendContext<TwilioSimMessage>): SimReply => {
    const pathSid = (request.params as { sid: string }).sid;
    const creds = credentials(request, pathSid);
    if (!creds) return authenticate();
    const isForm = String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const v = validate(isForm ? bodyFields(request) : {});
    if ('code' in v) return errorReply(v);
    const now = ctx.now();
    const id = `SM${randomBytes(16).toString('hex')}`;
    const message: TwilioSimMessage = {
      provider: 'twilio',
      id,
      to: v.to,
      text: v.body,
      at: now.toISOString(),
      status: 'accepted',
      accountSid: creds.sid,
      from: v.mss && !v.from ? null : v.from,
      messagingServiceSid: v.mss,
      statusCallback: v.callback,
      channel: v.to.startsWith('whatsapp:') ? 'whatsapp' : 'sms',
      numSegments: smsSegments(v.body),
      twilioStatus: v.mss && !v.from ? 'accepted' : 'queued',
      errorCode: null,
      dateSent: null,
      dateUpdated: rfc2822(now),
    };
    signingKeys.set(id, creds.token);
    ctx.accept(message);
    return { status: 201, body: resource(message) };
  };

  sim.sendRoute('POST', `/${API_VERSION}/Accounts/:sid/Messages.json`, create);
  sim.route('GET', `/${API_VERSION}/Accounts/:sid/Messages/:file`, (request) => {
    const { sid, file } = request.params as { sid: string; file: string };
    if (!credentials(request, sid)) return authenticate();
    const id = file.endsWith('.json') ? file.slice(0, -'.json'.length) : file;
    const m = sim.find(id);
    if (!m || m.accountSid !== sid) {
      return errorReply({ code: 20404, message: `The requested resource ${request.url} was not found`, status: 404 });
    }
    return { status: 200, body: resource(m) };
  });

  return sim.start();
}
