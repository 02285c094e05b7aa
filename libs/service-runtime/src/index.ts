// @notify/service-runtime: the start-up and stop sequence every service shares
// (DataSource + migrations, event bus + streams, outbox relay, gRPC server), so each
// service's `server.ts` only composes its own use cases; and the dependency readiness
// (Postgres, NATS) behind each service's named gRPC health entry.
export * from './service-runtime';
export * from './readiness';
