/**
 * @notify/grpc-kit: everything a Notify service needs at its gRPC edge.
 * Server: `bindService` (roles per RPC) + `startGrpcServer` (auth, health, reflection,
 * graceful shutdown) + `installShutdown`; handlers: `unary`, `serverStream`; errors:
 * `toGrpcError` / `fromGrpcError` / `statusFor`, batch items `itemErrorOf` / `errorFromItem`; clients: `createClient` (API key, default
 * deadline), `callUnary` / `promisifyUnary`, `withBreaker`.
 */
export * from './roles';
export * from './kit-logger';
export * from './error-status.mapper';
export * from './api-key.authenticator';
export * from './service.binding';
export type { CallContext } from './call-context';
export { principalOf, deadlineOf } from './call-context';
export * from './handler.adapters';
export { nulFieldOf } from './request-text.guard';
export * from './request-fields';
export * from './grpc.server';
export * from './shutdown.hooks';
export * from './grpc.client';
