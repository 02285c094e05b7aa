// The scheduler service process. instrumentation MUST stay the first import.
import { telemetry } from './instrumentation';
import { installShutdown } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { loadSchedulerConfig } from './config';
import { startSchedulerService } from './server';

async function main(): Promise<void> {
  const config = loadSchedulerConfig();
  const logger = createLogger({ service: config.OTEL_SERVICE_NAME, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
  const service = await startSchedulerService(config, logger);
  logger.info({ port: service.grpc.port, grpc_port: service.grpc.port }, 'scheduler service listening');
  installShutdown([() => service.stop(), () => telemetry.shutdown()], logger);
}

main().catch((err: unknown) => {
  console.error(`scheduler: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
