import * as grpc from '@grpc/grpc-js';
import CircuitBreaker from 'opossum';
import { UnavailableError } from '@notify/errors';
import { AUTHORIZATION_METADATA } from './api-key.authenticator';
import { fromGrpcError, isGrpcStatusLike } from './error-status.mapper';

/** A generated client class: ts-proto `XServiceClient` or a proto-loader `ServiceClientConstructor`. */
export type GrpcClientConstructor<C> = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: Partial<grpc.ClientOptions>,
) => C;

/** Options for {@link createClient}. */
export interface CreateClientOptions {
  /** Sent as `authorization: Bearer <apiKey>` on every call (unless the call sets its own). */
  apiKey: string;
  /** Deadline added to unary and client-streaming calls that have none, ms; default 5000. */
  deadlineMs?: number;
  /**
   * Deadline added to server-streaming and bidi calls that have none, ms; default 3600000
   * (1 h): watch streams end with DEADLINE_EXCEEDED and the caller reconnects.
   */
  streamDeadlineMs?: number;
  /** TLS: `true` for system roots, or PEM roots for a private CA; plaintext when absent. */
  tls?: boolean | { rootCerts: Buffer | string };
  channelOptions?: grpc.ChannelOptions;
  /**
   * The variable the key comes from when a service calls another with its own key
   * (`SERVICE_API_KEY`): the server refusing that key (UNAUTHENTICATED: unknown key) is then
   * reported as UNAVAILABLE `<address> refused SERVICE_API_KEY: …`, so the caller of this service
   * learns of a deployment problem of the service, not of their own key (which was accepted), and
   * consumers retry until it is fixed. (PERMISSION_DENIED stays: it is also a business answer,
   * e.g. a technician assigning a ticket to someone else.) Calls that set their own
   * `authorization` are not changed.
   */
  keyVariable?: string;
}

/**
 * Builds a client for `address` (`host:port`) whose every call carries the API key and a
 * deadline: an interceptor sets `authorization: Bearer <apiKey>` when the call has none, and
 * `deadline = now + deadlineMs` (streams: `streamDeadlineMs`) when the caller gave none, so
 * outbound calls always carry a deadline (STYLE.md). A call over its deadline fails with
 * DEADLINE_EXCEEDED.
 */
export function createClient<C>(Client: GrpcClientConstructor<C>, address: string, options: CreateClientOptions): C {
  const deadlineMs = options.deadlineMs ?? 5000;
  const streamDeadlineMs = options.streamDeadlineMs ?? 3_600_000;
  const bearer = `Bearer ${options.apiKey}`;
  const interceptor: grpc.Interceptor = (callOptions, nextCall) => {
    let next = callOptions;
    if (callOptions.deadline === undefined) {
      const streaming = callOptions.method_definition.responseStream;
      next = { ...callOptions, deadline: Date.now() + (streaming ? streamDeadlineMs : deadlineMs) };
    }
    return new grpc.InterceptingCall(nextCall(next), {
      start(metadata, listener, start) {
        const ownKey = metadata.get(AUTHORIZATION_METADATA).length === 0;
        if (ownKey) metadata.set(AUTHORIZATION_METADATA, bearer);
        const keyVariable = options.keyVariable;
        if (!ownKey || !keyVariable) return start(metadata, listener);
        // A partial listener: grpc-js passes the other events through to the caller's listener.
        start(metadata, {
          onReceiveStatus(status, next) {
            const refused = status.code === grpc.status.UNAUTHENTICATED;
            next(refused ? { ...status, code: grpc.status.UNAVAILABLE, details: `${address} refused ${keyVariable}: ${status.details}` } : status);
          },
        });
      },
    });
  };
  const credentials =
    options.tls === undefined || options.tls === false
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(options.tls === true ? null : Buffer.from(options.tls.rootCerts));
  return new Client(address, credentials, { ...options.channelOptions, interceptors: [interceptor] });
}

type UnaryCallback<Res> = (error: grpc.ServiceError | null, response: Res) => void;

/**
 * Request type of a callback-style unary client method (its last overload takes exactly
 * request, metadata, options, callback); `never` for streams (3 optional arguments, no
 * callback) and for anything else.
 */
export type UnaryRequestOf<F> = F extends (...args: infer A) => unknown
  ? A['length'] extends 4
    ? UnaryRequestOf4<F>
    : never
  : never;

type UnaryRequestOf4<F> = F extends (
  request: infer Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: UnaryCallback<infer _Res>,
) => grpc.ClientUnaryCall
  ? Req
  : never;

/** Response type of a callback-style unary client method. */
export type UnaryResponseOf<F> = F extends (
  request: infer _Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: UnaryCallback<infer Res>,
) => grpc.ClientUnaryCall
  ? Res
  : never;

/** Names of a client's unary methods (ts-proto `XServiceClient`: `createTicket`, …). */
export type UnaryMethodOf<C> = {
  [K in keyof C & string]: UnaryRequestOf<C[K]> extends never ? never : K;
}[keyof C & string];

/** Per-call options for {@link callUnary}. */
export interface UnaryCallOptions {
  /** Absolute deadline (e.g. the incoming `ctx.deadline`); otherwise the client's default applies. */
  deadline?: Date | number;
  /** Extra request metadata. */
  metadata?: grpc.Metadata;
  /** Cancels the call (e.g. the incoming `ctx.signal`): the promise rejects with CANCELLED. */
  signal?: AbortSignal;
}

/**
 * Calls a callback-style unary method and returns a Promise of its response.
 * Rejects with `fromGrpcError(err)`: a DomainError for statuses in the error table (NOT_FOUND
 * → NotFoundError, DEADLINE_EXCEEDED → TimeoutError, UNAVAILABLE → UnavailableError, …;
 * `cause` is the ServiceError), otherwise the grpc-js ServiceError itself (CANCELLED,
 * INTERNAL, UNIMPLEMENTED, …).
 */
export function callUnary<C, K extends UnaryMethodOf<C>>(
  client: C,
  method: K,
  request: UnaryRequestOf<C[K]>,
  options: UnaryCallOptions = {},
): Promise<UnaryResponseOf<C[K]>> {
  return new Promise((resolve, reject) => {
    const fn = (client as Record<string, unknown>)[method];
    if (typeof fn !== 'function') {
      reject(new TypeError(`client has no method ${method}`));
      return;
    }
    const callOptions: Partial<grpc.CallOptions> = {};
    if (options.deadline !== undefined) callOptions.deadline = options.deadline;
    const signal = options.signal;
    let done = false;
    const onAbort = (): void => {
      if (!done) call.cancel();
    };
    const call = (fn as (...args: unknown[]) => grpc.ClientUnaryCall).call(
      client,
      request,
      options.metadata ?? new grpc.Metadata(),
      callOptions,
      (err: grpc.ServiceError | null, response: UnaryResponseOf<C[K]>) => {
        done = true;
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(fromGrpcError(err));
        else resolve(response);
      },
    );
    if (signal?.aborted) call.cancel();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `callUnary` bound to one method: `const getTicket = promisifyUnary(client, 'getTicket')`. */
export function promisifyUnary<C, K extends UnaryMethodOf<C>>(
  client: C,
  method: K,
): (request: UnaryRequestOf<C[K]>, options?: UnaryCallOptions) => Promise<UnaryResponseOf<C[K]>> {
  return (request, options) => callUnary(client, method, request, options);
}

/** A client behind one circuit breaker, from {@link withBreaker}. */
export interface BreakerClient<C> {
  readonly client: C;
  readonly breaker: CircuitBreaker<[string, unknown, UnaryCallOptions | undefined], unknown>;
  /** `callUnary` through the breaker; rejects with UnavailableError while the breaker is open. */
  call<K extends UnaryMethodOf<C>>(
    method: K,
    request: UnaryRequestOf<C[K]>,
    options?: UnaryCallOptions,
  ): Promise<UnaryResponseOf<C[K]>>;
}

/**
 * Puts one opossum circuit breaker in front of all unary calls of a client (one downstream
 * service = one breaker). Only dependency failures count: UNAVAILABLE, DEADLINE_EXCEEDED,
 * INTERNAL, UNKNOWN, DATA_LOSS; domain answers (NOT_FOUND, INVALID_ARGUMENT, …) do not.
 * While open, calls fail at once with UnavailableError (gRPC UNAVAILABLE) naming `name`.
 * opossum's own timeout is off (`timeout: false`): the call deadline bounds each call.
 * `options` are opossum options (errorThresholdPercentage, resetTimeout ms, volumeThreshold…).
 */
export function withBreaker<C>(
  client: C,
  options: CircuitBreaker.Options & { name: string },
): BreakerClient<C> {
  const breaker = new CircuitBreaker<[string, unknown, UnaryCallOptions | undefined], unknown>(
    (method, request, callOptions) =>
      callUnary(client as Record<string, never>, method as never, request as never, callOptions),
    { timeout: false, errorFilter: (err: unknown) => !isDependencyFailure(err), ...options },
  );
  return {
    client,
    breaker,
    call: async (method, request, callOptions) => {
      try {
        return (await breaker.fire(method, request, callOptions)) as never;
      } catch (err) {
        if ((err as { code?: unknown }).code === 'EOPENBREAKER') {
          throw new UnavailableError(`${options.name}: circuit breaker open`);
        }
        throw err;
      }
    },
  };
}

const DEPENDENCY_FAILURES = new Set<number>([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.INTERNAL,
  grpc.status.UNKNOWN,
  grpc.status.DATA_LOSS,
]);

function isDependencyFailure(err: unknown): boolean {
  const cause = (err as { cause?: unknown }).cause;
  const status = isGrpcStatusLike(err) ? err : isGrpcStatusLike(cause) ? cause : undefined;
  return status === undefined ? true : DEPENDENCY_FAILURES.has(status.code);
}
