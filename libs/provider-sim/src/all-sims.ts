import { startAdvantaSim, ADVANTA_DEFAULT_PORT, type AdvantaSimHandle, type AdvantaSimOptions } from './advanta.sim';
import { startFonnteSim, FONNTE_DEFAULT_PORT, type FonnteSimHandle, type FonnteSimOptions } from './fonnte.sim';
import type { CommonSimOptions, SimHandle, SimMessage } from './sim-server';
import { startTwilioSim, TWILIO_DEFAULT_PORT, type TwilioSimHandle, type TwilioSimOptions } from './twilio.sim';
import { startWablasSim, WABLAS_DEFAULT_PORT, type WablasSimHandle, type WablasSimOptions } from './wablas.sim';

/** The gateway's webhook paths (issue 5, "Receipts and replies"), relative to its base URL. */
export const GATEWAY_WEBHOOK_PATHS = Object.freeze({
  fonnteStatus: '/webhooks/fonnte/status',
  fonnteInbound: '/webhooks/fonnte/inbound',
  wablasStatus: '/webhooks/wablas/status',
  wablasInbound: '/webhooks/wablas/inbound',
  twilioStatus: '/webhooks/twilio/status',
  advantaDlr: '/webhooks/advanta/dlr',
});

type Shared = Pick<CommonSimOptions, 'host' | 'webhookSecret' | 'receiptDelaysMs' | 'webhookTimeoutMs' | 'clock' | 'logger'>;

export interface AllSimsOptions extends Shared {
  /**
   * Base URL of the gateway's webhook server (e.g. `http://127.0.0.1:8080`). Derives each
   * simulator's `webhookUrl`/`inboundUrl` from `GATEWAY_WEBHOOK_PATHS` unless the
   * per-provider options set them. Twilio's receipts go to each message's `StatusCallback`;
   * `twilioStatus` is only its Messaging Service fallback.
   */
  webhookBaseUrl?: string;
  /** Per-provider options; they win over the shared ones. Ports default to 8091…8094 (0 = any). */
  fonnte?: FonnteSimOptions;
  wablas?: WablasSimOptions;
  twilio?: TwilioSimOptions;
  advanta?: AdvantaSimOptions;
}

export interface AllSims {
  fonnte: FonnteSimHandle;
  wablas: WablasSimHandle;
  twilio: TwilioSimHandle;
  advanta: AdvantaSimHandle;
  /** The four handles as a list. */
  all(): Array<SimHandle<SimMessage>>;
  /** Clears every fault and forgets every message (between tests). */
  resetAll(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the four simulators (Fonnte 8091, Wablas 8092, Twilio 8093, Advanta 8094 unless the
 * per-provider `port` says otherwise). If one fails to start (port in use), the ones already
 * started are closed and the error is rethrown.
 */
export async function startAllSims(options: AllSimsOptions = {}): Promise<AllSims> {
  const { webhookBaseUrl, fonnte, wablas, twilio, advanta, ...shared } = options;
  const base = webhookBaseUrl?.replace(/\/+$/, '');
  const hook = (path: string): string | undefined => (base ? `${base}${path}` : undefined);
  const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

  const started: Array<SimHandle<SimMessage>> = [];
  const track = async <H extends SimHandle<SimMessage>>(p: Promise<H>): Promise<H> => {
    const h = await p;
    started.push(h);
    return h;
  };
  try {
    const f = await track(
      startFonnteSim({
        port: FONNTE_DEFAULT_PORT,
        ...defined({ ...shared, webhookUrl: hook(GATEWAY_WEBHOOK_PATHS.fonnteStatus), inboundUrl: hook(GATEWAY_WEBHOOK_PATHS.fonnteInbound) }),
        ...fonnte,
      }),
    );
    const w = await track(
      startWablasSim({
        port: WABLAS_DEFAULT_PORT,
        ...defined({ ...shared, webhookUrl: hook(GATEWAY_WEBHOOK_PATHS.wablasStatus), inboundUrl: hook(GATEWAY_WEBHOOK_PATHS.wablasInbound) }),
        ...wablas,
      }),
    );
    const t = await track(
      startTwilioSim({ port: TWILIO_DEFAULT_PORT, ...defined({ ...shared, webhookUrl: hook(GATEWAY_WEBHOOK_PATHS.twilioStatus) }), ...twilio }),
    );
    const a = await track(
      startAdvantaSim({ port: ADVANTA_DEFAULT_PORT, ...defined({ ...shared, webhookUrl: hook(GATEWAY_WEBHOOK_PATHS.advantaDlr) }), ...advanta }),
    );
    const list = (): Array<SimHandle<SimMessage>> => [f, w, t, a];
    return {
      fonnte: f,
      wablas: w,
      twilio: t,
      advanta: a,
      all: list,
      resetAll: async () => {
        for (const s of list()) {
          await s.clearFault();
          s.reset();
        }
      },
      close: async () => {
        await Promise.all(list().map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw err;
  }
}
