// The ticket service process. instrumentation MUST stay the first import.
import { telemetry } from './instrumentation';
import { installShutdown } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { loadTicketConfig } from './config';
import { startTicketService } from './server';

async function main(): Promise<void> {
  const config = loadTicketConfig();
  const logger = createLogger({ service: config.OTEL_SERVICE_NAME, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
  const service = await startTicketService(config, logger);
  logger.info({ port: service.grpc.port, grpc_port: service.grpc.port }, 'ticket service listening');
  installShutdown([() => service.stop(), () => telemetry.shutdown()], logger);
}

main().catch((err: unknown) => {
  console.error(`ticket: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
