/**
 * Advanta SMS simulator (Kenya). Default port 8094.
 *
 * Behaviour and its source in /work/shared/reference/providers.md (confidence in brackets):
 * - `POST /api/services/sendsms/` (with or without the trailing slash) with a JSON body
 *   [high], urlencoded [medium], or `GET` with the same names as query params [high] (§4.1).
 *   Auth is in the body: `apikey`, `partnerID` (string or number) — no header auth (§4.1 [high]).
 *   Fields: `message`, `shortcode` (sender id, case-sensitive, must be assigned), `mobile` (one
 *   number or comma-separated, max 1000), optional `timeToSend`, `pass_type`.
 * - Numbers: `2547…`, `07…` (leading 0 → `countryCode`, default 254), a leading `+` stripped
 *   (§4.4 [high]). Any 7–15 digit number is accepted (the gateway sends Indonesian numbers).
 * - Success: HTTP 200 `{"responses":[{"response-code":200, "response-description":"Success",
 *   "mobile":254712345678, "messageid":8290842, "networkid":"1"}]}`, one entry per recipient,
 *   `mobile` and `messageid` numbers (§4.2 [high]). The key typo (§4.2 [high]): by default every
 *   code is written under both `response-code` and `respose-code`; `responseCodeKey:'typo'`
 *   writes only the misspelt key, `'correct'` only the right one.
 * - Errors: HTTP 200 always [medium], a top-level `{"response-code":N,
 *   "response-description":"…"}` (§4.2 [medium]) with the codes of the table (§4.2 [high for
 *   the list, "work in progress" upstream]): 4091 no partnerID, 4092 no apikey, 1006 invalid
 *   credentials, 1001 invalid sender id, 1003 missing mobile, 1104 more than 1000 numbers,
 *   1004 low bulk credits; an empty `message` → 1010 "Unsupported request type" [low:
 *   simulator choice]. An invalid number among several is reported inside `responses[]` as
 *   `{response-code:1003, response-description:"Invalid mobile number", mobile}` while the
 *   valid ones are sent [low: open question 3 in providers.md].
 *   Fault `status_false`: top-level code `code` (default 1005 "Failed. System error").
 * - DLR push (§4.3 [medium]): JSON POST to `webhookUrl` (+`?secret=`) with `{description,
 *   messageid (string), timeTaken ("22s"), timestamp ("YYYY-MM-DD HH:mm:ss", EAT)}`;
 *   descriptions `SentToNetwork` then `DeliveredToTerminal` (SMS has no read receipt);
 *   failed → `DeliveryImpossible` (values [high], method/encoding [medium]).
 * - DLR pull `POST|GET /api/services/getdlr/` `{apikey, partnerID, messageID}` → the §4.3
 *   success body (`delivery-status` 32 only for DeliveredToTerminal [high]; other numbers
 *   unknown, given as null) or `{response-code:1009, response-description:"No dlr"}`.
 * - Not simulated: `/sendotp`, `/sendbulk`, `/getbalance`, scheduling, IP allow-lists.
 */
import type { FastifyRequest } from 'fastify';
import { applyCountryCode, plainDigits } from './phone';
import {
  SimServer,
  bodyFields,
  fieldString,
  queryFields,
  withSecret,
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

export const ADVANTA_DEFAULT_PORT = 8094;

export interface AdvantaSimOptions extends CommonSimOptions {
  /** Expected `apikey`. Unset: any non-empty key. */
  apiKey?: string;
  /** Expected `partnerID`. Unset: any non-empty id. */
  partnerId?: string;
  /** Sender ids assigned to the account. Unset: any non-empty shortcode. */
  shortcodes?: readonly string[];
  /** Which spelling(s) of the code key to write (default `both`). */
  responseCodeKey?: 'both' | 'correct' | 'typo';
  /** Replaces a leading 0 of a mobile (default `254`). */
  countryCode?: string;
  /** SMS credits (default 1,000,000); 1004 when a request needs more. */
  credits?: number;
}

export interface AdvantaSimMessage extends SimMessage {
  provider: 'advanta';
  shortcode: string;
  partnerId: string;
  networkId: string;
  /** Time of the latest delivery state, ISO-8601 (null until the first receipt). */
  stageAt: string | null;
}

export type AdvantaSimHandle = SimHandle<AdvantaSimMessage>;

export const ADVANTA_CODES: Readonly<Record<number, string>> = {
  200: 'Success',
  1001: 'Invalid sender id',
  1002: 'Network not allowed',
  1003: 'Invalid mobile number',
  1004: 'Low bulk credits',
  1005: 'Failed. System error',
  1006: 'Invalid credentials',
  1007: 'Failed. System error',
  1008: 'No Delivery Report',
  1009: 'Unsupported data type',
  1010: 'Unsupported request type',
  1012: 'Too Many messages on SMS LIST',
  1104: 'Too many comma separated contacts',
  4090: 'Internal Error. Try again after 5 minutes',
  4091: 'No Partner ID is Set',
  4092: 'No API KEY Provided',
  4093: 'Details Not Found',
};

const DESCRIPTION: Record<ReceiptStage, string> = {
  sent: 'SentToNetwork',
  delivered: 'DeliveredToTerminal',
  read: 'DeliveredToTerminal',
  failed: 'DeliveryImpossible',
};

/** `YYYY-MM-DD HH:mm:ss` in East Africa Time (UTC+3, no DST). */
function eatTimestamp(date: Date): string {
  return new Date(date.getTime() + 3 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function hhmmss(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** Starts an Advanta simulator. Resolves once it listens. */
export async function startAdvantaSim(options: AdvantaSimOptions = {}): Promise<AdvantaSimHandle> {
  const keyStyle = options.responseCodeKey ?? 'both';
  const countryCode = options.countryCode ?? '254';
  let credits = options.credits ?? 1_000_000;
  let nextMessageId = 8_290_000 + Math.floor(Math.random() * 100_000);

  const code = (c: number): Record<string, number> =>
    keyStyle === 'both' ? { 'response-code': c, 'respose-code': c } : keyStyle === 'typo' ? { 'respose-code': c } : { 'response-code': c };
  const topLevel = (c: number, description?: string, status = 200): SimReply => ({
    status,
    body: { ...code(c), 'response-description': description ?? ADVANTA_CODES[c] ?? 'Failed' },
  });

  const sim = new SimServer<AdvantaSimMessage>(
    {
      provider: 'advanta',
      http500: (fault: SimFault) => topLevel(4090, fault.reason, 500),
      statusFalse: (fault: SimFault) => topLevel(fault.code ?? 1005, fault.reason),
      malformed: () => topLevel(1009),
      stages: () => ['sent', 'delivered'],
      onStage: (m: AdvantaSimMessage) => {
        m.stageAt = sim.now().toISOString();
      },
      receiptFor: (m: AdvantaSimMessage, stage: ReceiptStage, opts: ReceiptOptions): OutgoingWebhook | null => {
        if (!options.webhookUrl) return null;
        const now = sim.now();
        return {
          url: withSecret(options.webhookUrl, options.webhookSecret),
          contentType: 'json',
          payload: {
            description: opts.providerStatus ?? DESCRIPTION[stage],
            messageid: m.id,
            timeTaken: `${Math.max(0, Math.round((now.getTime() - Date.parse(m.at)) / 1000))}s`,
            timestamp: eatTimestamp(now),
          },
        };
      },
    },
    options,
    ADVANTA_DEFAULT_PORT,
  );

  /** null = credentials fine; else the error answer. */
  const checkCredentials = (fields: Record<string, unknown>): SimReply | null => {
    const partnerId = (fieldString(fields['partnerID']) ?? '').trim();
    const apiKey = (fieldString(fields['apikey']) ?? '').trim();
    if (!partnerId) return topLevel(4091);
    if (!apiKey) return topLevel(4092);
    if ((options.apiKey && apiKey !== options.apiKey) || (options.partnerId && partnerId !== options.partnerId)) return topLevel(1006);
    return null;
  };

  const send = (fields: Record<string, unknown>, ctx: SendContext<AdvantaSimMessage>): SimReply => {
    const credentialFailure = checkCredentials(fields);
    if (credentialFailure) return credentialFailure;
    const shortcode = (fieldString(fields['shortcode']) ?? '').trim();
    if (!shortcode || (options.shortcodes && !options.shortcodes.includes(shortcode))) return topLevel(1001);
    const mobiles = (fieldString(fields['mobile']) ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m.length > 0);
    if (mobiles.length === 0) return topLevel(1003);
    const message = fieldString(fields['message']) ?? '';
    if (message.trim() === '') return topLevel(1010);
    if (mobiles.length > 1000) return topLevel(1104);
    const parsed = mobiles.map((raw) => {
      const digits = plainDigits(raw);
      return { raw, to: digits ? applyCountryCode(digits, countryCode) : null };
    });
    const valid = parsed.filter((p) => p.to !== null).length;
    if (valid > credits) return topLevel(1004);
    credits -= valid;
    const at = ctx.now().toISOString();
    const partnerId = (fieldString(fields['partnerID']) ?? '').trim();
    const responses = parsed.map(({ raw, to }) => {
      if (to === null) return { ...code(1003), 'response-description': ADVANTA_CODES[1003], mobile: raw };
      const id = nextMessageId++;
      ctx.accept({
        provider: 'advanta',
        id: String(id),
        to,
        text: message,
        at,
        status: 'accepted',
        shortcode,
        partnerId,
        networkId: '1',
        stageAt: null,
      });
      return { ...code(200), 'response-description': 'Success', mobile: Number(to), messageid: id, networkid: '1' };
    });
    return { status: 200, body: { responses } };
  };

  const getDlr = (fields: Record<string, unknown>): SimReply => {
    const credentialFailure = checkCredentials(fields);
    if (credentialFailure) return credentialFailure;
    const id = (fieldString(fields['messageID']) ?? '').trim();
    const m = id ? sim.find(id) : undefined;
    if (!m || m.status === 'accepted' || !m.stageAt) return topLevel(1009, 'No dlr');
    const description = DESCRIPTION[m.status];
    return {
      status: 200,
      body: {
        ...code(200),
        'message-id': m.id,
        'response-description': 'Success',
        'delivery-status': description === 'DeliveredToTerminal' ? 32 : null,
        'delivery-description': description,
        'delivery-tat': hhmmss(Date.parse(m.stageAt) - Date.parse(m.at)),
        'delivery-networkid': 1,
        'delivery-time': eatTimestamp(new Date(m.stageAt)),
      },
    };
  };

  const fieldsOf = (request: FastifyRequest): Record<string, unknown> =>
    request.method === 'GET' ? queryFields(request) : bodyFields(request);

  sim.sendRoute('POST', '/api/services/sendsms', (request, ctx) => send(fieldsOf(request), ctx));
  sim.sendRoute('GET', '/api/services/sendsms', (request, ctx) => send(fieldsOf(request), ctx));
  sim.route('POST', '/api/services/getdlr', (request) => getDlr(fieldsOf(request)));
  sim.route('GET', '/api/services/getdlr', (request) => getDlr(fieldsOf(request)));

  return sim.start();
}
