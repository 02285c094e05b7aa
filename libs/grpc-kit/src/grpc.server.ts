import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { ApiKeyAuthenticator, ApiKeyEntry } from './api-key.authenticator';
import { CallState, attachCallState, callStateOf } from './call-context';
import { KitLogger, defaultLogger } from './kit-logger';
import { BoundMethod, BoundService } from './service.binding';
import { withTimestampCheck } from './timestamp.guard';

/** Options for {@link startGrpcServer}. */
export interface GrpcServerOptions {
  /** Short service name for logs (`ticket`, `gateway`, …). */
  serviceName: string;
  /** Interface to bind; default `0.0.0.0`. Tests use `127.0.0.1`. */
  host?: string;
  /** TCP port; 0 picks a free port (read it from the result). */
  port: number;
  /** Services made with `bindService`; each gets auth, its roles and a health entry. */
  services: readonly BoundService[];
  /** Configured API keys (from `@notify/config`, `NOTIFY_API_KEYS`). */
  apiKeys: readonly ApiKeyEntry[];
  logger?: KitLogger;
  /** Serve TLS with this PEM certificate chain and private key; plaintext when absent. */
  tls?: { cert: Buffer | string; key: Buffer | string };
  /**
   * Proto files to expose through server reflection (`grpc.reflection.v1` and `v1alpha`),
   * relative to `includeDirs` (the repo's are `notify/ticket/v1/ticket.proto`… with include
   * dir `proto/`). `grpc.health.v1` is added automatically. No reflection when absent. Their
   * descriptors also drive the wire check of the requests' google.protobuf.Timestamp fields
   * (seconds and nanos within the spec; timestamp.guard.ts), which is off without them.
   */
  protoFiles?: readonly string[];
  includeDirs?: readonly string[];
  /** How long `shutdown` reports NOT_SERVING before it stops accepting calls, ms; default 1000. */
  drainMs?: number;
  /** Extra grpc-js server options (message size limits, keepalive). */
  serverOptions?: grpc.ServerOptions;
}

/** A running server, from {@link startGrpcServer}. */
export interface RunningGrpcServer {
  /** The bound port (the real one when `port: 0` was asked for). */
  readonly port: number;
  readonly server: grpc.Server;
  /** The `grpc.health.v1.Health` implementation (names: `''` = liveness, each full service name = readiness). */
  readonly health: HealthImplementation;
  /**
   * Liveness: sets the overall entry (`''`) to SERVING (`true`) or NOT_SERVING, and each
   * service's entry to SERVING only when `serving` and ready ({@link setReady}), else NOT_SERVING.
   * `setServing(false)` (shutdown) thus turns every entry NOT_SERVING.
   */
  setServing(serving: boolean): void;
  /**
   * Readiness: sets each service's entry (its full name, e.g. `notify.ticket.v1.TicketService`)
   * to SERVING (`true`, and only while {@link setServing} is true) or NOT_SERVING; the overall
   * entry (`''`, liveness) is left as it is. Initially ready. Kubernetes readiness probes name
   * the service; liveness probes ask for `''`.
   */
  setReady(ready: boolean): void;
  /**
   * Graceful stop, once (later calls return the same promise): health → NOT_SERVING for all,
   * wait `drainMs` while calls are still served, end open server streams (health Watch streams
   * included) with UNAVAILABLE
   * ("server shutting down") and abort their signals, `tryShutdown` (no new calls, in-flight
   * calls finish), and `forceShutdown` (cancels what is left) after `graceMs` (default 10000).
   */
  shutdown(graceMs?: number): Promise<void>;
}

const SHUTDOWN_DETAILS = 'server shutting down';

/**
 * Starts a gRPC server: binds `host:port`, serves each bound service behind API-key auth
 * (metadata `authorization: Bearer <key>`; no/unknown key → UNAUTHENTICATED, a role the RPC
 * does not allow → PERMISSION_DENIED), `grpc.health.v1.Health` (no key needed; `''`
 * (liveness) SERVING once bound until shutdown, each service's full name (readiness) SERVING
 * once bound while `setReady` says so) and, when `protoFiles` are given, server reflection (no
 * key needed).
 * @throws Error when an API key or role is invalid (see ApiKeyAuthenticator), two services
 *   have the same name, or binding fails (port in use, bad TLS material).
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const logger = options.logger ?? defaultLogger();
  const auth = new ApiKeyAuthenticator(options.apiKeys);
  if (auth.size === 0) logger.warn({ grpc_server: options.serviceName }, 'no API keys configured: every RPC will fail UNAUTHENTICATED');
  const drainMs = options.drainMs ?? 1000;
  const server = new grpc.Server(options.serverOptions);
  const openStreams = new Set<grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>>();

  const names = options.services.map((s) => s.serviceName);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`service ${duplicate} is bound twice`);

  // The served protos: server reflection, and the descriptors of the wire check of the
  // requests' Timestamps (timestamp.guard.ts).
  const definitions = options.protoFiles && options.protoFiles.length > 0
    ? protoLoader.loadSync([...options.protoFiles, 'health/v1/health.proto'], {
      includeDirs: [...(options.includeDirs ?? []), path.resolve(path.dirname(healthProtoPath), '..', '..')],
      keepCase: true, // descriptors keep proto field names
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    })
    : undefined;

  for (const bound of options.services) {
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const method of bound.methods) {
      implementation[method.key] = guard(method, auth, logger, openStreams);
    }
    server.addService(definitions ? withTimestampCheck(bound.definition, definitions) : bound.definition, implementation);
  }

  const health = new HealthImplementation({});
  // Two flags: `live` (the overall entry: the process runs and is not stopping) and `ready` (the
  // service entries: its dependencies answer). A service entry is SERVING only when both hold.
  let live = false;
  let ready = true;
  const publish = (): void => {
    health.setStatus('', live ? 'SERVING' : 'NOT_SERVING');
    for (const name of names) health.setStatus(name, live && ready ? 'SERVING' : 'NOT_SERVING');
  };
  const setServing = (serving: boolean): void => {
    live = serving;
    publish();
  };
  const setReady = (value: boolean): void => {
    ready = value;
    publish();
  };
  setServing(false);
  // Health Watch streams (a mesh's or load balancer's health checker holds one open) are
  // tracked like the services' streams: at shutdown they get NOT_SERVING, then end with
  // UNAVAILABLE after the drain, instead of holding `tryShutdown` until the grace runs out.
  const healthWatches = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  health.addToServer({
    addService: (definition: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) => {
      const watch = impl['watch'] as ((call: grpc.ServerWritableStream<unknown, unknown>) => void) | undefined;
      if (!watch) return server.addService(definition, impl);
      return server.addService(definition, {
        ...impl,
        watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
          healthWatches.add(call);
          const forget = (): void => void healthWatches.delete(call);
          call.once('finish', forget);
          call.once('cancelled', forget);
          watch(call);
        },
      });
    },
  } as unknown as grpc.Server);

  if (definitions) new ReflectionService(definitions).addToServer(server);

  const host = options.host ?? '0.0.0.0';
  const address = `${host.includes(':') ? `[${host}]` : host}:${options.port}`;
  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(null, [
        { cert_chain: Buffer.from(options.tls.cert), private_key: Buffer.from(options.tls.key) },
      ])
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  setServing(true);
  logger.info(
    { grpc_server: options.serviceName, host, port, services: names, tls: !!options.tls, reflection: !!options.protoFiles?.length },
    'gRPC server listening',
  );

  let stopping: Promise<void> | undefined;
  const shutdown = (graceMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      setServing(false);
      logger.info({ grpc_server: options.serviceName, drain_ms: drainMs, grace_ms: graceMs }, 'gRPC server draining');
      await new Promise((r) => setTimeout(r, drainMs));
      for (const call of openStreams) endForShutdown(call);
      for (const call of healthWatches) {
        if (!call.cancelled && !call.writableEnded) {
          call.emit('error', Object.assign(new Error(SHUTDOWN_DETAILS), { code: grpc.status.UNAVAILABLE, details: SHUTDOWN_DETAILS, metadata: new grpc.Metadata() }));
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ grpc_server: options.serviceName, grace_ms: graceMs }, 'gRPC calls still open after grace: forcing shutdown');
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      logger.info({ grpc_server: options.serviceName }, 'gRPC server stopped');
    })();
    return stopping;
  };

  return { port, server, health, setServing, setReady, shutdown };
}

type AnyServerCall = grpc.ServerUnaryCall<unknown, unknown> & grpc.ServerWritableStream<unknown, unknown>;

/** Wraps one RPC's handler with auth, per-call state (principal, abort signal) and stream tracking. */
function guard(
  method: BoundMethod,
  auth: ApiKeyAuthenticator,
  logger: KitLogger,
  openStreams: Set<grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>>,
): grpc.UntypedHandleCall {
  const wrapped = (call: AnyServerCall, callback?: grpc.sendUnaryData<unknown>): void => {
    const fail = (code: grpc.status, details: string): void => {
      const err = Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
      if (callback) callback(err);
      else call.emit('error', err);
    };
    const principal = auth.authenticate(call.metadata);
    if (!principal) {
      fail(grpc.status.UNAUTHENTICATED, 'missing or unknown API key (metadata authorization: Bearer <key>)');
      return;
    }
    if (!method.roles.has(principal.role)) {
      fail(grpc.status.PERMISSION_DENIED, `role ${principal.role} may not call ${method.name}`);
      return;
    }
    if (!method.handler) {
      fail(grpc.status.UNIMPLEMENTED, `${method.name} is not implemented yet`);
      return;
    }
    const state: CallState = {
      principal,
      logger,
      method: method.path,
      controller: new AbortController(),
      closed: false,
    };
    attachCallState(call, state);
    call.on('cancelled', () => {
      state.closed = true;
      state.controller.abort(new Error('call cancelled (client cancel, deadline or server stop)'));
    });
    if (method.kind === 'serverStream' || method.kind === 'bidi') {
      openStreams.add(call);
      const forget = (): void => {
        openStreams.delete(call);
      };
      call.once('finish', forget);
      call.once('cancelled', forget);
      call.once('close', forget);
    }
    (method.handler as (call: AnyServerCall, callback?: grpc.sendUnaryData<unknown>) => void)(call, callback);
  };
  return wrapped as unknown as grpc.UntypedHandleCall;
}

/** Ends an open stream with UNAVAILABLE so the client reconnects elsewhere, and aborts its signal. */
function endForShutdown(call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>): void {
  const state = callStateOf(call);
  if (state && !state.closed && !call.cancelled && !call.writableEnded) {
    state.closed = true;
    call.emit('error', Object.assign(new Error(SHUTDOWN_DETAILS), {
      code: grpc.status.UNAVAILABLE,
      details: SHUTDOWN_DETAILS,
      metadata: new grpc.Metadata(),
    }));
  }
  state?.controller.abort(new Error(SHUTDOWN_DETAILS));
}
