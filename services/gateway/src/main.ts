// The gateway service process. instrumentation MUST stay the first import.
import { telemetry } from './instrumentation';
import { installShutdown } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { loadGatewayConfig } from './config';
import { startGatewayService } from './server';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const logger = createLogger({ service: config.OTEL_SERVICE_NAME, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
  const service = await startGatewayService(config, logger);
  logger.info({ port: service.grpc.port, grpc_port: service.grpc.port, webhook_url: service.webhooks.url }, 'gateway service listening');
  installShutdown([() => service.stop(), () => telemetry.shutdown()], logger);
}

main().catch((err: unknown) => {
  console.error(`gateway: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
