import type * as grpc from '@grpc/grpc-js';
import type { Principal } from './api-key.authenticator';
import type { KitLogger } from './kit-logger';

/**
 * What a handler knows about its call besides the request.
 * - `principal`: the authenticated caller (role, log-safe key id, staff id when the key has one);
 * - `metadata`: the request metadata (includes `authorization`; never log it whole);
 * - `deadline`: when the client gives up, if it sent a deadline;
 * - `signal`: aborts when the client cancels, the deadline passes, or (streams) the server
 *   shuts down. Pass it to anything long-running.
 */
export interface CallContext {
  principal: Principal;
  metadata: grpc.Metadata;
  deadline?: Date;
  signal: AbortSignal;
}

/** Per-call state the server's auth wrapper attaches to a call before the handler runs. */
export interface CallState {
  readonly principal: Principal;
  readonly logger: KitLogger;
  readonly method: string;
  readonly controller: AbortController;
  /** Set once the call's final status was sent by grpc-kit (no more writes). */
  closed: boolean;
}

const states = new WeakMap<object, CallState>();

/** Attaches `state` to `call` (server internals). */
export function attachCallState(call: object, state: CallState): void {
  states.set(call, state);
}

/** The state attached by the server, or `undefined` for a call that did not pass through it. */
export function callStateOf(call: object): CallState | undefined {
  return states.get(call);
}

/**
 * The authenticated caller of a call served by {@link startGrpcServer}, for handlers written
 * without the `unary` / `serverStream` adapters; `undefined` if the call did not go through
 * the server's auth wrapper.
 */
export function principalOf(call: object): Principal | undefined {
  return states.get(call)?.principal;
}

/** Deadline of a server call as a Date, or `undefined` when the client sent none (Infinity). */
export function deadlineOf(call: Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getDeadline' | 'metadata'>): Date | undefined {
  const d = call.getDeadline();
  if (d instanceof Date) return d;
  return Number.isFinite(d) ? new Date(d) : undefined;
}
