// @notify/testing barrel: fixtures for integration tests (a fresh Postgres schema, a NATS
// namespace), a polling helper, a TCP proxy that simulates a dependency outage and the service
// check used as Jest globalSetup.
export { createTestSchema, type TestSchema } from './postgres.fixture';
export { createTestNats, type TestNats } from './nats.fixture';
export { waitFor, type WaitForOptions } from './wait-for';
export { ensureServices } from './ensure-services';
export { testEnv, type TestEnv } from './test-env';
export { uniqueName } from './unique-name';
export { startOutageProxy, type OutageProxy } from './outage-proxy';
export * from './grpc-health';
export { v8HeapLimitMiB } from './v8-heap-limit';
export { expectInvalidArgument } from './invalid-argument';
export { callUnaryRaw, messageField, timestampBytes } from './raw-request';
