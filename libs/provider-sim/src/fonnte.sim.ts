/**
 * Fonnte simulator (WhatsApp, primary). Default port 8091.
 *
 * Behaviour and its source in /work/shared/reference/providers.md (confidence in brackets):
 * - `POST /send` and `GET /send?token=…` (§1.1 [high]). Auth: `Authorization: <device token>`,
 *   the raw token with no `Bearer` prefix (§1.1 [high]); `Bearer x` is therefore a wrong token.
 *   Bodies: urlencoded and multipart [high], JSON accepted too (§1.1 recommendation; JSON
 *   support by the real service is [uncertain]).
 * - Fields (§1.2 [high]): `target` (required, comma-separated; `number|name|var1…` per-recipient
 *   variables fill `{name}`, `{var1}`… in `message`), `message`, `countryCode` (default `62`;
 *   replaces a leading 0; `0` = numbers used as given), `schedule` (unix seconds). Group ids
 *   `…@g.us` in `target` are accepted, also mixed with numbers (§1.3 [high]). A leading `+`
 *   is stripped (§1.8 [uncertain]: clients usually strip it; the simulator accepts it).
 * - Success: HTTP 200 `{detail, id[], process:"pending", quota{<device>:{details, quota,
 *   remaining, used}}, requestid, status:true, target[]}`, `id[]`/`target[]` parallel
 *   (§1.4 [high]); ids are integers by default (2025–2026 recordings [high]; `idType:'string'`
 *   gives the older string form). `detail` "success! message will be sent on scheduled time"
 *   for a future `schedule` (§1.4 [medium]).
 * - Failures: HTTP 200 `{reason, requestid, status:false}` (§1.5 [high]):
 *   wrong/missing token → `invalid token` (2026 recordings, default) or, with
 *   `tokenErrorStyle:'docs'`, `{"Status":false,"reason":"token invalid"}` (docs, capital S)
 *   [high that both were seen]; missing/invalid `target` → `target invalid` [high/medium];
 *   empty `message` with no media/location/poll → `input invalid` [medium: the text is listed,
 *   the trigger is a simulator choice]; quota exhausted → `insufficient quota` [high].
 *   Fault `status_false` default reason: `request invalid on disconnected device` [high].
 * - `POST /device` (§1.6 [high]) and `POST /get-whatsapp-group` (§1.3 [high]); a wrong token on
 *   either → `{"reason":"token invalid","status":false}` (§1.6 [high]).
 * - `POST /status`, the message-status look-up (§1.6 [high]; docs.fonnte.com/api-check-message-status:
 *   deprecated in favour of the status webhook, still answered). Not a send route: faults do not
 *   apply. Auth as `/send` (raw device token in `Authorization`, the same check); body field `id`
 *   in urlencoded, multipart or JSON. Answers, all HTTP 200:
 *   - found → `{"id":<id>,"message_status":<word>,"status":true}`, `id` in the type the send
 *     answer used (integer by default, string with `idType:'string'`) [high for the shape].
 *   - wrong/missing token → `{"reason":"token invalid","status":false}`, as `/device` [medium: the
 *     docs page names the case "token invalid" but its example body is a copy of "id required"].
 *   - missing/empty `id` → `{"reason":"id required","status":false}` [high: the docs page's example].
 *   - unknown id → `{"reason":"message not found","status":false}` [low: the text is the
 *     simulator's choice, not documented].
 *   `message_status` follows the message's simulator status (`SimMessage.status`), which the
 *   automatic receipt chain and `POST /__sim/receipt` advance before posting the webhook, so the
 *   look-up tells the truth even when the webhook post failed. Mapping (vocabulary [high], mapping
 *   [medium]; the look-up has no delivered/read words):
 *   `accepted` → `Processing` ("on process to be sent"; `Pending` means device not connected /
 *   retried next minute), or `Waiting` when `schedule` is still in the future;
 *   `sent` / `delivered` / `read` → `Sent` (the message left the device); `failed` → `Invalid`
 *   (the failed receipt's webhook `status` `invalid`). A receipt sent with `provider_status`
 *   (stages sent/failed, where it replaces the webhook `status`) shows that word instead.
 *   Capitalisation [low]: the docs list the words capitalised (`Sent`, `Url unreachable`,
 *   default here) but their one example body says `"message_status":"sent"`;
 *   `statusLookupCase:'lower'` answers lower-case. Clients should compare case-insensitively.
 * - Status webhook (§1.7): JSON POST to `webhookUrl` (+`?secret=`): first
 *   `{device, id, stateid, status:"sent", state:"sent", timestamp}`, then
 *   `{device, stateid, state:"delivered", timestamp}`, `{device, stateid, state:"read",
 *   timestamp}` — field names and the id/stateid matching logic [high]; the `state` values
 *   [low]; `timestamp` (unix seconds) added Jan 2026 [high that it exists, format low].
 *   A failed receipt is `{device, id, stateid, status:"invalid", state:"failed", timestamp}`
 *   (`invalid` from the status vocabulary [high]; `state` wording [low]). The secret key's
 *   field name is unknown [low]: it goes in the query (`?secret=`) and, with
 *   `webhookSecretField`, also in the JSON body. Fonnte retries a non-200 answer 15 times;
 *   the simulator posts once (best effort) and records the answer.
 * - Inbound chat webhook (§1.7b [medium-high]): JSON POST to `inboundUrl` (+`?secret=`) with
 *   `device, sender, name, message, text, member, isgroup, inboxid, …`; in a group `sender`
 *   is the group id and `member` the writer's number.
 * - Not simulated: media upload content, polls, `delay` pacing between recipients, rotators,
 *   webhook retries, the `Pending` / `Expired` / `Url unreachable` look-up words (unless set
 *   through a receipt's `provider_status`).
 */
import { randomBytes } from 'node:crypto';
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
  type SimMessageStatus,
  type SimReply,
} from './sim-server';

export const FONNTE_DEFAULT_PORT = 8091;

export interface FonnteSimOptions extends CommonSimOptions {
  /** Accepted device token(s). Unset/empty: any non-empty token is accepted. */
  token?: string | readonly string[];
  /** The sending device's number (the `quota` key and the webhooks' `device`). */
  device?: string;
  /**
   * Messages left on the package (default 1,000,000 so long runs and benchmarks never hit it;
   * 1000 models the free package); each recipient uses one.
   */
  quota?: number;
  /** Where inbound chats go (the device's `webhook` URL). */
  inboundUrl?: string;
  /** Groups returned by `/get-whatsapp-group`. */
  groups?: ReadonlyArray<{ id: string; name: string }>;
  /** Wrong-token answer: `recorded` (default) `{reason:"invalid token",requestid,status:false}`; `docs` `{Status:false,reason:"token invalid"}`. */
  tokenErrorStyle?: 'recorded' | 'docs';
  /** Type of `id[]` elements in the send response and webhooks (default `number`). */
  idType?: 'number' | 'string';
  /** Also put `webhookSecret` in the webhook JSON body under this field name. */
  webhookSecretField?: string;
  /**
   * Case of `message_status` in `/status` answers: `capitalised` (default, the docs' list:
   * `Sent`, `Processing`, `Url unreachable`) or `lower` (the docs' example body: `sent`).
   */
  statusLookupCase?: 'capitalised' | 'lower';
}

export interface FonnteSimMessage extends SimMessage {
  provider: 'fonnte';
  targetType: 'phone' | 'group';
  /** The `target` entry as sent (before normalisation, without `|name|vars`). */
  rawTarget: string;
  /** `countryCode` the request carried (default `62`). */
  countryCode: string;
  requestId: number;
  /** WhatsApp state id tied to the message by the first status webhook. */
  stateId: string;
  device: string;
  /** Unix seconds when scheduled for later. */
  schedule?: number;
  /**
   * The webhook `status` word of the last sent/failed receipt when it was overridden with
   * `provider_status` (e.g. `expired`); `/status` answers it instead of the mapped word.
   */
  providerStatus?: string;
}

export type FonnteSimHandle = SimHandle<FonnteSimMessage> & InboundCapable;

interface ParsedTarget {
  raw: string;
  to: string;
  type: 'phone' | 'group';
  name?: string;
  vars: string[];
}

const GROUP_ID = /^[A-Za-z0-9-]+@g\.us$/;

/** `/status` look-up word per simulator status (see the module docstring for the reasoning). */
const LOOKUP_WORD: Readonly<Record<SimMessageStatus, string>> = {
  accepted: 'Processing',
  sent: 'Sent',
  delivered: 'Sent',
  read: 'Sent',
  failed: 'Invalid',
};

/** Starts a Fonnte simulator. Resolves once it listens. */
export async function startFonnteSim(options: FonnteSimOptions = {}): Promise<FonnteSimHandle> {
  const tokens = new Set((typeof options.token === 'string' ? [options.token] : (options.token ?? [])).filter(Boolean));
  const device = options.device ?? '6281100000001';
  const idType = options.idType ?? 'number';
  let remaining = options.quota ?? 1_000_000;
  let nextRequestId = 2_900_000 + Math.floor(Math.random() * 100_000);
  let nextMessageId = 80_000_000 + Math.floor(Math.random() * 1_000_000);
  // Inbound ids (`inboxid`) are unique for ever at Fonnte, and the gateway remembers the ones it
  // acted on (its webhook dedupe, kept in Postgres): counting from the start time in ms keeps
  // them unique across simulator restarts too (a restarted `npm start` on the same data folder
  // counted from 1000 again, and the technician's next "1" was taken for a retried webhook).
  let inboxId = Date.now();

  const idValue = (id: string): string | number => (idType === 'number' ? Number(id) : id);
  const failure = (reason: string): SimReply => ({ status: 200, body: { reason, requestid: nextRequestId++, status: false } });
  const tokenInvalid = (): SimReply =>
    options.tokenErrorStyle === 'docs'
      ? { status: 200, body: { Status: false, reason: 'token invalid' } }
      : failure('invalid token');
  const tokenOk = (token: string | undefined): boolean => !!token && (tokens.size === 0 || tokens.has(token));
  /** Failure answer of the non-send routes: `{reason, status:false}`, no `requestid` (the `/device` and `/status` docs, §1.6). */
  const lookupFailure = (reason: string): SimReply => ({ status: 200, body: { reason, status: false } });
  const unixSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

  const webhookBody = (payload: Record<string, unknown>): Record<string, unknown> =>
    options.webhookSecretField && options.webhookSecret ? { ...payload, [options.webhookSecretField]: options.webhookSecret } : payload;

  const sim = new SimServer<FonnteSimMessage>(
    {
      provider: 'fonnte',
      http500: (fault: SimFault) => ({ status: 500, body: { reason: fault.reason ?? 'internal server error', status: false } }),
      statusFalse: (fault: SimFault) => failure(fault.reason ?? 'request invalid on disconnected device'),
      malformed: () => failure('input invalid'),
      onStage: (m: FonnteSimMessage, stage: ReceiptStage, opts: ReceiptOptions) => {
        // Only the sent/failed receipts carry a webhook `status` that provider_status replaces.
        if ((stage === 'sent' || stage === 'failed') && opts.providerStatus) m.providerStatus = opts.providerStatus;
        else delete m.providerStatus;
      },
      receiptFor: (m: FonnteSimMessage, stage: ReceiptStage, opts: ReceiptOptions): OutgoingWebhook | null => {
        if (!options.webhookUrl) return null;
        const timestamp = unixSeconds(sim.now());
        let payload: Record<string, unknown>;
        switch (stage) {
          case 'sent':
            payload = { device, id: idValue(m.id), stateid: m.stateId, status: opts.providerStatus ?? 'sent', state: 'sent', timestamp };
            break;
          case 'failed':
            payload = { device, id: idValue(m.id), stateid: m.stateId, status: opts.providerStatus ?? 'invalid', state: 'failed', timestamp };
            break;
          default:
            payload = { device, stateid: m.stateId, state: opts.providerStatus ?? stage, timestamp };
        }
        return { url: withSecret(options.webhookUrl, options.webhookSecret), contentType: 'json', payload: webhookBody(payload) };
      },
      inboundFor: (input: InboundInput): OutgoingWebhook | null => {
        if (!options.inboundUrl) return null;
        const isgroup = !!input.group;
        const sender = input.group ?? input.from;
        const payload = {
          quick: false,
          device,
          pesan: input.text,
          pengirim: sender,
          member: isgroup ? input.from : '',
          message: input.text,
          text: 'non-button message',
          sender,
          name: input.name ?? '',
          location: '',
          url: '',
          type: 'text',
          extension: '',
          filename: '',
          pollname: '',
          choices: [],
          inboxid: inboxId++,
          isgroup,
          isforwarded: false,
          timestamp: unixSeconds(sim.now()),
        };
        return { url: withSecret(options.inboundUrl, options.webhookSecret), contentType: 'json', payload: webhookBody(payload) };
      },
    },
    options,
    FONNTE_DEFAULT_PORT,
  );

  const parseTargets = (raw: string, countryCode: string): ParsedTarget[] | null => {
    const entries = raw
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e.length > 0);
    if (entries.length === 0) return null;
    const out: ParsedTarget[] = [];
    for (const entry of entries) {
      const [head = '', name, ...vars] = entry.split('|').map((p) => p.trim());
      if (GROUP_ID.test(head)) {
        out.push({ raw: head, to: head, type: 'group', ...(name !== undefined ? { name } : {}), vars });
        continue;
      }
      const digits = plainDigits(head);
      if (!digits) return null;
      out.push({ raw: head, to: applyCountryCode(digits, countryCode), type: 'phone', ...(name !== undefined ? { name } : {}), vars });
    }
    return out;
  };

  const personalise = (message: string, t: ParsedTarget): string => {
    if (t.name === undefined) return message;
    let text = message.replaceAll('{name}', t.name);
    t.vars.forEach((v, i) => (text = text.replaceAll(`{var${i + 1}}`, v)));
    return text;
  };

  const handleSend = (fields: Record<string, unknown>, token: string | undefined, ctx: SendContext<FonnteSimMessage>): SimReply => {
    if (!tokenOk(token)) return tokenInvalid();
    const countryCode = (fieldString(fields['countryCode']) ?? '62').trim() || '62';
    const targets = parseTargets(fieldString(fields['target']) ?? '', countryCode);
    if (!targets) return failure('target invalid');
    const message = fieldString(fields['message']) ?? '';
    const hasOtherContent = ['url', 'file', 'location', 'choices'].some((k) => (fieldString(fields[k]) ?? '') !== '');
    if (message.trim() === '' && !hasOtherContent) return failure('input invalid');
    if (remaining < targets.length) return failure('insufficient quota');

    const now = ctx.now();
    const scheduleRaw = Number(fieldString(fields['schedule']) ?? '0');
    const schedule = Number.isFinite(scheduleRaw) && scheduleRaw > unixSeconds(now) ? Math.floor(scheduleRaw) : undefined;
    const requestId = nextRequestId++;
    const before = remaining;
    remaining -= targets.length;
    const ids: Array<string | number> = [];
    for (const t of targets) {
      const id = String(nextMessageId++);
      ids.push(idValue(id));
      ctx.accept({
        provider: 'fonnte',
        id,
        to: t.to,
        text: personalise(message, t),
        at: now.toISOString(),
        status: 'accepted',
        targetType: t.type,
        rawTarget: t.raw,
        countryCode,
        requestId,
        stateId: `3EB0${randomBytes(8).toString('hex').toUpperCase()}`,
        device,
        ...(schedule !== undefined ? { schedule } : {}),
      });
    }
    return {
      status: 200,
      body: {
        detail: schedule !== undefined ? 'success! message will be sent on scheduled time' : 'success! message in queue',
        id: ids,
        process: 'pending',
        quota: { [device]: { details: 'deduced from total quota', quota: before, remaining, used: targets.length } },
        requestid: requestId,
        status: true,
        target: targets.map((t) => t.to),
      },
    };
  };

  const headerToken = (request: FastifyRequest): string | undefined => fieldString(request.headers['authorization']);

  sim.sendRoute('POST', '/send', (request, ctx) => handleSend(bodyFields(request), headerToken(request), ctx));
  sim.sendRoute('GET', '/send', (request, ctx) => {
    const query = queryFields(request);
    return handleSend(query, fieldString(query['token']) ?? headerToken(request), ctx);
  });
  sim.route('POST', '/device', (request) => {
    if (!tokenOk(headerToken(request))) return lookupFailure('token invalid');
    const fault = sim.currentFault();
    const disconnected = fault?.mode === 'status_false' && /disconnect/i.test(fault.reason ?? 'disconnected');
    return {
      status: 200,
      body: {
        device,
        device_status: disconnected ? 'disconnect' : 'connect',
        expired: '31 December 2030',
        messages: sim.stats().accepted,
        name: 'notify-sim',
        package: 'Reguler',
        quota: String(remaining),
        status: true,
      },
    };
  });
  sim.route('POST', '/get-whatsapp-group', (request) => {
    if (!tokenOk(headerToken(request))) return lookupFailure('token invalid');
    return { status: 200, body: { status: true, data: [...(options.groups ?? [])] } };
  });

  const lookupWord = (m: FonnteSimMessage): string => {
    let word: string;
    if (m.providerStatus) word = m.providerStatus;
    else if (m.status === 'accepted' && m.schedule !== undefined && m.schedule > unixSeconds(sim.now())) word = 'Waiting';
    else word = LOOKUP_WORD[m.status];
    return options.statusLookupCase === 'lower' ? word.toLowerCase() : word.charAt(0).toUpperCase() + word.slice(1);
  };
  sim.route('POST', '/status', (request) => {
    if (!tokenOk(headerToken(request))) return lookupFailure('token invalid');
    const id = (fieldString(bodyFields(request)['id']) ?? '').trim();
    if (!id) return lookupFailure('id required');
    const m = sim.find(id);
    if (!m) return lookupFailure('message not found');
    return { status: 200, body: { id: idValue(m.id), message_status: lookupWord(m), status: true } };
  });

  return sim.start();
}
