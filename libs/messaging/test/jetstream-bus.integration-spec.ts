import { connectJetStreamBus } from '../src';
import { describeEventBusBehaviour } from './event-bus-behaviour.suite';

// Real nats-server with JetStream on 127.0.0.1:4222 (scripts/ensure-services.sh). Streams and
// subjects carry a random prefix per run and are deleted after each test.
const NATS_URL = 'nats://127.0.0.1:4222';

describeEventBusBehaviour('JetStream bus', {
  system: 'nats',
  createBus: () => connectJetStreamBus({ url: NATS_URL, name: 'messaging-integration-test' }),
});
