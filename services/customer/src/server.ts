import { readFileSync } from 'node:fs';
import { bindService, startGrpcServer, type RunningGrpcServer } from '@notify/grpc-kit';
import type { Logger } from '@notify/logger';
import { PROTO_ROOT, RPC_ROLES, SERVICE_CATALOG } from '@notify/proto';
import type { CustomerConfig } from './config';

/** A running customer service: its gRPC server and an ordered stop. */
export interface RunningCustomerService {
  readonly grpc: RunningGrpcServer;
  /** Health NOT_SERVING → drain → tryShutdown (grace: SHUTDOWN_GRACE_MS, ms). */
  stop(): Promise<void>;
}

/**
 * Composition root of the customer service: binds `notify.customer.v1.CustomerService` (roles per RPC from
 * the proto's "Roles:" comments, generated into RPC_ROLES) and starts the gRPC server with
 * health, reflection and API-key auth on GRPC_HOST:GRPC_PORT (default port from
 * SERVICE_CATALOG). RPCs without an implementation yet answer UNIMPLEMENTED (after auth).
 */
export async function startCustomerService(config: CustomerConfig, logger: Logger): Promise<RunningCustomerService> {
  const entry = SERVICE_CATALOG.customer;
  const bound = bindService(entry.definition, {}, { roles: RPC_ROLES[entry.fullName as keyof typeof RPC_ROLES] });
  const grpc = await startGrpcServer({
    serviceName: 'customer',
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    services: [bound],
    apiKeys: config.NOTIFY_API_KEYS,
    logger,
    tls: config.GRPC_TLS_CERT && config.GRPC_TLS_KEY ? { cert: readFileSync(config.GRPC_TLS_CERT), key: readFileSync(config.GRPC_TLS_KEY) } : undefined,
    protoFiles: [...entry.protoFiles],
    includeDirs: [PROTO_ROOT],
  });
  return { grpc, stop: () => grpc.shutdown(config.SHUTDOWN_GRACE_MS) };
}
