import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { EVENT_DOMAINS, streamName } from '@notify/events';

/** A durable consumer of the stack's streams that some client is pulling from right now. */
export interface ConsumerInUse {
  readonly stream: string;
  readonly consumer: string;
  /** Pull requests waiting at the server (ConsumerInfo.num_waiting). */
  readonly waiting: number;
}

/**
 * The durable consumers of this stack's streams (`TICKET_EVENTS`… with `ns` prefixed, as the
 * services name them from NATS_NAMESPACE) that another client is consuming now: those with pull
 * requests waiting at the server (ConsumerInfo.num_waiting > 0; every service's consumer keeps one
 * outstanding while it runs). Two stacks on one NATS without their own namespace share these
 * durables, and each event then goes to whichever stack pulls it first (QA: the second stack's
 * gateway acked the first one's ticket events with 0 deliveries). Empty when nothing consumes,
 * when a stream does not exist yet, or when NATS cannot be reached within `timeoutMs` (the
 * services then report NATS themselves).
 */
export async function natsConsumersInUse(url: string, ns: string | undefined, timeoutMs = 3_000): Promise<ConsumerInUse[]> {
  let nc: Awaited<ReturnType<typeof connect>>;
  try {
    nc = await connect({ servers: url, timeout: timeoutMs, reconnect: false, name: 'notify-start-services-check' });
  } catch {
    return [];
  }
  const out: ConsumerInUse[] = [];
  try {
    const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
    for (const domain of EVENT_DOMAINS) {
      const stream = streamName(domain, ns);
      try {
        for await (const c of jsm.consumers.list(stream)) {
          if (c.config.durable_name && c.num_waiting > 0) out.push({ stream, consumer: c.name, waiting: c.num_waiting });
        }
      } catch {
        // no such stream yet: nothing consumes it
      }
    }
  } catch {
    // JetStream not reachable: the services will say so
  } finally {
    await nc.close().catch(() => undefined);
  }
  return out;
}
