import { createInProcessBus } from '../src';
import { describeEventBusBehaviour } from './event-bus-behaviour.suite';

// The in-process bus (embedded mode) must behave like JetStream: the same suite runs here
// without I/O and against a real NATS server in jetstream-bus.integration-spec.ts.
describeEventBusBehaviour('in-process bus', {
  system: 'in_process',
  createBus: async () => createInProcessBus(),
});
