// Test-only adapter: the relay's OutboxPublisher over the raw NATS v3 client (the real
// EventBus from @notify/messaging is built in parallel). One stream per test file.
import { connect, headers as natsHeaders, nanos, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { OutboxMessage, OutboxPublishAck, OutboxPublisher } from '../src';

export interface RecordingPublisher extends OutboxPublisher {
  /** Every acknowledged publish, in order. */
  acks: Array<{ msgID: string; subject: string; duplicate: boolean; seq?: number }>;
}

export interface TestJetStream {
  nc: NatsConnection;
  jsm: JetStreamManager;
  stream: string;
  /** A fresh publisher that records its acknowledgements. */
  publisher(): RecordingPublisher;
  /** Messages stored for `subject` (exact subject). */
  count(subject: string): Promise<number>;
  /** Every stored message of the stream, in sequence order. */
  messages(): Promise<StoredMsg[]>;
  close(): Promise<void>;
}

export async function openTestJetStream(url: string, stream: string, subjects: string[]): Promise<TestJetStream> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects, duplicate_window: nanos(120_000) });
  const js = jetstream(nc);
  return {
    nc,
    jsm,
    stream,
    publisher() {
      const acks: RecordingPublisher['acks'] = [];
      return {
        acks,
        async publish(msg: OutboxMessage): Promise<OutboxPublishAck> {
          const h = natsHeaders();
          for (const [k, v] of Object.entries(msg.headers ?? {})) h.set(k, v);
          const ack = await js.publish(msg.subject, msg.data, { msgID: msg.msgID, headers: h });
          acks.push({ msgID: msg.msgID, subject: msg.subject, duplicate: ack.duplicate, seq: ack.seq });
          return { duplicate: ack.duplicate, seq: ack.seq };
        },
      };
    },
    async count(subject) {
      const info = await jsm.streams.info(stream, { subjects_filter: subject });
      return info.state.subjects?.[subject] ?? 0;
    },
    async messages() {
      const info = await jsm.streams.info(stream);
      const out: StoredMsg[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const msg = await jsm.streams.getMessage(stream, { seq });
        if (msg) out.push(msg);
      }
      return out;
    },
    async close() {
      await nc.close();
    },
  };
}
