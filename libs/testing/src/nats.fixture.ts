import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { testEnv } from './test-env';
import { uniqueName } from './unique-name';

/** A namespace for one test file's JetStream streams and subjects. */
export interface TestNats {
  /** NATS server URL (`TEST_NATS_URL`, else `NATS_URL`, default `nats://127.0.0.1:4222`). */
  url: string;
  /** `t_<prefix>_<8 hex>`: lower-case, usable as a subject token. */
  namespace: string;
  /** A stream name inside the namespace: `<NAMESPACE>_<name>` (upper case). */
  stream(name: string): string;
  /** A subject inside the namespace: `<namespace>.<subject>`. */
  subject(subject: string): string;
  /** Deletes every stream whose name starts with the upper-cased namespace; returns their names. */
  cleanup(): Promise<string[]>;
}

/**
 * Reserves a unique NATS namespace (nothing is created on the server). Name streams with
 * `stream()` and subjects with `subject()` so `cleanup()` finds them and concurrent test files
 * never share a stream or a subject.
 */
export function createTestNats(prefix: string): TestNats {
  const url = testEnv().natsUrl;
  const namespace = uniqueName(prefix);
  const upper = namespace.toUpperCase();
  return {
    url,
    namespace,
    stream: (name) => `${upper}_${name.toUpperCase()}`,
    subject: (subject) => `${namespace}.${subject}`,
    async cleanup() {
      const nc = await connect({ servers: url, timeout: 5_000 });
      try {
        const jsm = await jetstreamManager(nc);
        const deleted: string[] = [];
        for await (const name of jsm.streams.names()) {
          if (name.startsWith(upper)) {
            await jsm.streams.delete(name);
            deleted.push(name);
          }
        }
        return deleted;
      } finally {
        await nc.close();
      }
    },
  };
}
