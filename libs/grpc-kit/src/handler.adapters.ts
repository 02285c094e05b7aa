import * as grpc from '@grpc/grpc-js';
import { CallContext, CallState, callStateOf, deadlineOf } from './call-context';
import { ValidationError } from '@notify/errors';
import { toGrpcError } from './error-status.mapper';
import { nulFieldOf } from './request-text.guard';
import { invalidTimestampOf } from './timestamp.guard';

/**
 * Adapts an async function to a grpc-js unary handler (`handleUnaryCall`), e.g. a field of a
 * ts-proto `TicketServiceServer`. The function's result is the response; whatever it throws
 * is mapped by `toGrpcError` (domain errors → their status, others → INTERNAL with the
 * detail logged). Must be served by `startGrpcServer`, which authenticates first; a call that
 * did not pass its auth wrapper fails with INTERNAL. A request with U+0000 in any string is
 * refused with INVALID_ARGUMENT naming the field before `fn` runs ({@link nulFieldOf}), and so
 * is one with a google.protobuf.Timestamp outside its spec (the server's wire check,
 * timestamp.guard.ts; only when the server was given `protoFiles`).
 */
export function unary<Req, Res>(
  fn: (request: Req, ctx: CallContext) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const state = callStateOf(call);
    if (!state) {
      callback(toGrpcError(new Error(`${call.getPath()}: handler not served through startGrpcServer`)));
      return;
    }
    run(() => refuseNul(call.request) ?? refuseTimestamp(call.request) ?? fn(call.request, contextOf(call, state))).then(
      (response) => callback(null, response),
      (err: unknown) => callback(statusOf(err, state)),
    );
  };
}

/**
 * Adapts an async function to a grpc-js server-streaming handler (`handleServerStreamingCall`).
 * `write(message)` sends one message (ignored once the call is over); the stream ends with OK
 * when the returned promise resolves, or with the mapped status when it rejects.
 * `signal` (also `ctx.signal`) aborts when the client cancels, the deadline passes, or the
 * server shuts down (the client then gets UNAVAILABLE and should reconnect). Messages are
 * buffered by grpc-js when the client reads slowly; producers of large volumes should pace.
 */
export function serverStream<Req, Res>(
  fn: (request: Req, ctx: CallContext, write: (message: Res) => void, signal: AbortSignal) => Promise<void>,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    const state = callStateOf(call);
    if (!state) {
      call.emit('error', toGrpcError(new Error(`${call.getPath()}: handler not served through startGrpcServer`)));
      return;
    }
    const write = (message: Res): void => {
      if (!state.closed && !call.cancelled && !call.writableEnded) call.write(message);
    };
    const ctx = contextOf(call, state);
    run(() => refuseNul(call.request) ?? refuseTimestamp(call.request) ?? fn(call.request, ctx, write, ctx.signal)).then(
      () => finish(call, state),
      (err: unknown) => finish(call, state, statusOf(err, state)),
    );
  };
}

function finish(call: grpc.ServerWritableStream<unknown, unknown>, state: CallState, error?: grpc.ServiceError): void {
  if (state.closed || call.cancelled || call.writableEnded) return;
  state.closed = true;
  if (error) call.emit('error', error);
  else call.end();
}

/** A rejection with INVALID_ARGUMENT when a string of the request holds U+0000 ({@link nulFieldOf}); else undefined. */
function refuseNul(request: unknown): Promise<never> | undefined {
  const field = nulFieldOf(request);
  return field === undefined ? undefined : Promise.reject(new ValidationError(field, 'contains a NUL character (U+0000), which cannot be stored; remove it'));
}

/**
 * A rejection with INVALID_ARGUMENT naming the first google.protobuf.Timestamp of the request
 * outside the Timestamp spec (seconds, nanos), as the server's wire check found it
 * ({@link invalidTimestampOf}); else undefined.
 */
function refuseTimestamp(request: unknown): Promise<never> | undefined {
  const err = invalidTimestampOf(request);
  return err ? Promise.reject(err) : undefined;
}

/**
 * The status a failed call answers with ({@link toGrpcError}); should building it throw, an
 * INTERNAL status instead — never an exception out of the call's settlement, which would end
 * the process.
 */
function statusOf(err: unknown, state: CallState): ReturnType<typeof toGrpcError> {
  try {
    return toGrpcError(err, { logger: state.logger, method: state.method });
  } catch {
    // Nothing that could throw again (no logger, no metadata from the error).
    const e = new Error('13 INTERNAL: internal error') as ReturnType<typeof toGrpcError>;
    return Object.assign(e, { code: 13, details: 'internal error', metadata: new grpc.Metadata() });
  }
}

function contextOf(call: Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getDeadline' | 'metadata'>, state: CallState): CallContext {
  const ctx: CallContext = { principal: state.principal, metadata: call.metadata, signal: state.controller.signal };
  const deadline = deadlineOf(call);
  if (deadline) ctx.deadline = deadline;
  return ctx;
}

function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}
