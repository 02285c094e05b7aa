import type { Logger } from '@notify/logger';
import type { GatewayConfig } from '../../config';
import { AdvantaAdapter } from './advanta.adapter';
import { FonnteAdapter } from './fonnte.adapter';
import type { ProviderAdapter } from './provider-adapter';
import { ProviderChain, type ProviderChainOptions } from './provider-chain';
import { TwilioAdapter } from './twilio.adapter';
import { WablasAdapter } from './wablas.adapter';

export type ProviderChannel = 'whatsapp' | 'sms';

/** One configured provider, for ListProviders and the startup log. */
export interface ProviderInfo {
  name: string;
  channel: ProviderChannel;
  /** true when its credentials are set AND it is listed in its channel's chain variable. */
  enabled: boolean;
  /** Why it is disabled (names the missing variables, never their values). */
  reason?: string;
  /** Cost of one message on this provider, whole rupiah (`<NAME>_COST_RUPIAH`). */
  costRupiah: number;
  /** Base URL in use (`<NAME>_BASE_URL`, no credentials). */
  baseUrl: string;
  /** Position in its channel's chain (1 = primary); 0 when disabled. */
  chainPosition: number;
}

export interface ProviderChains {
  /** WhatsApp chain (WHATSAPP_PROVIDERS order); absent when no WhatsApp provider is enabled. */
  whatsapp?: ProviderChain;
  /** SMS chain (SMS_PROVIDERS order); absent when no SMS provider is enabled. */
  sms?: ProviderChain;
  /** Every known provider, enabled or not, in chain order (unlisted ones last). */
  providers: ProviderInfo[];
}

type Candidate = { name: string; channel: ProviderChannel; costRupiah: number; baseUrl: string; perSecond: number; missing: string[]; make: () => ProviderAdapter };

function candidates(c: GatewayConfig): Candidate[] {
  const missing = (vars: Record<string, string | undefined>) => Object.keys(vars).filter((k) => vars[k] === undefined);
  return [
    {
      name: 'fonnte', channel: 'whatsapp', costRupiah: c.FONNTE_COST_RUPIAH, baseUrl: c.FONNTE_BASE_URL, perSecond: c.FONNTE_RATE_PER_SECOND,
      missing: missing({ FONNTE_TOKEN: c.FONNTE_TOKEN }),
      make: () => new FonnteAdapter({ baseUrl: c.FONNTE_BASE_URL, token: c.FONNTE_TOKEN! }),
    },
    {
      name: 'wablas', channel: 'whatsapp', costRupiah: c.WABLAS_COST_RUPIAH, baseUrl: c.WABLAS_BASE_URL, perSecond: c.WABLAS_RATE_PER_SECOND,
      missing: missing({ WABLAS_TOKEN: c.WABLAS_TOKEN }),
      make: () => new WablasAdapter({ baseUrl: c.WABLAS_BASE_URL, token: c.WABLAS_TOKEN!, ...(c.WABLAS_SECRET_KEY ? { secretKey: c.WABLAS_SECRET_KEY } : {}) }),
    },
    {
      name: 'twilio', channel: 'sms', costRupiah: c.TWILIO_COST_RUPIAH, baseUrl: c.TWILIO_BASE_URL, perSecond: c.TWILIO_RATE_PER_SECOND,
      missing: [
        ...missing({ TWILIO_ACCOUNT_SID: c.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: c.TWILIO_AUTH_TOKEN }),
        ...(c.TWILIO_FROM || c.TWILIO_MESSAGING_SERVICE_SID ? [] : ['TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID']),
      ],
      make: () =>
        new TwilioAdapter({
          baseUrl: c.TWILIO_BASE_URL, accountSid: c.TWILIO_ACCOUNT_SID!, authToken: c.TWILIO_AUTH_TOKEN!,
          ...(c.TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: c.TWILIO_MESSAGING_SERVICE_SID } : { from: c.TWILIO_FROM! }),
        }),
    },
    {
      name: 'advanta', channel: 'sms', costRupiah: c.ADVANTA_COST_RUPIAH, baseUrl: c.ADVANTA_BASE_URL, perSecond: c.ADVANTA_RATE_PER_SECOND,
      missing: missing({ ADVANTA_API_KEY: c.ADVANTA_API_KEY, ADVANTA_PARTNER_ID: c.ADVANTA_PARTNER_ID, ADVANTA_SHORTCODE: c.ADVANTA_SHORTCODE }),
      make: () => new AdvantaAdapter({ baseUrl: c.ADVANTA_BASE_URL, apiKey: c.ADVANTA_API_KEY!, partnerId: c.ADVANTA_PARTNER_ID!, shortcode: c.ADVANTA_SHORTCODE! }),
    },
  ];
}

/**
 * Builds one ProviderChain per channel from the gateway config (issue 5 "Providers": a provider
 * is enabled only when its credentials are configured). Order = `WHATSAPP_PROVIDERS` /
 * `SMS_PROVIDERS`; each provider paced at `<NAME>_RATE_PER_SECOND` (0 = unpaced) by its chain, outside its
 * breaker and its per-call timeout (ProviderChain "Pacing"); a provider missing credentials or not listed there is
 * disabled and reported with the reason. Breaker / timeout knobs from `PROVIDER_TIMEOUT_MS` and `BREAKER_*`.
 * No I/O: adapters only talk to the network when a message is sent. Logs one line per provider
 * (info when enabled, warn when disabled), and the chains log their breakers' transitions there.
 */
export function buildProviderChains(config: GatewayConfig, logger: Pick<Logger, 'info' | 'warn'>): ProviderChains {
  const options: ProviderChainOptions = {
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
    errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENTAGE,
    volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
    resetTimeout: config.BREAKER_RESET_TIMEOUT_MS,
    rollingCountTimeout: config.BREAKER_ROLLING_WINDOW_MS,
    logger,
  };
  const all = candidates(config);
  // Pacing lives in the chain, outside each provider's breaker and timeout (see ProviderChain).
  options.ratePerSecond = Object.fromEntries(all.map((p) => [p.name, p.perSecond]));
  const result: ProviderChains = { providers: [] };
  for (const [channel, order, variable] of [
    ['whatsapp', config.WHATSAPP_PROVIDERS, 'WHATSAPP_PROVIDERS'],
    ['sms', config.SMS_PROVIDERS, 'SMS_PROVIDERS'],
  ] as const) {
    const ofChannel = all.filter((p) => p.channel === channel);
    const listed = [...new Set<string>(order)].map((n) => ofChannel.find((p) => p.name === n)!);
    const unlisted = ofChannel.filter((p) => !listed.includes(p));
    const adapters: ProviderAdapter[] = [];
    for (const p of listed) {
      const info: ProviderInfo = { name: p.name, channel, enabled: p.missing.length === 0, costRupiah: p.costRupiah, baseUrl: p.baseUrl, chainPosition: 0 };
      if (p.missing.length > 0) info.reason = `credentials not set: ${p.missing.join(', ')}`;
      else {
        adapters.push(p.make());
        info.chainPosition = adapters.length;
      }
      result.providers.push(info);
    }
    for (const p of unlisted) {
      result.providers.push({ name: p.name, channel, enabled: false, reason: `not listed in ${variable}`, costRupiah: p.costRupiah, baseUrl: p.baseUrl, chainPosition: 0 });
    }
    if (adapters.length > 0) result[channel] = new ProviderChain(channel, adapters, options);
  }
  for (const p of result.providers) {
    if (p.enabled) logger.info({ provider: p.name, channel: p.channel, costRupiah: p.costRupiah }, 'provider enabled');
    else logger.warn({ provider: p.name, channel: p.channel, reason: p.reason }, 'provider disabled');
  }
  return result;
}
