// Crash safety: a gateway process SIGKILLed after a provider accepted a message but before its
// bookkeeping must not send that message again after a restart (the simulator's record is the
// judge). The gateway runs as a real child process (`node -r tools/runtime/swc-register.js
// services/gateway/src/main.ts`) with the env-gated test hook GATEWAY_TEST_PAUSE_AFTER_SEND_MS,
// which holds the dispatcher between the provider call and the database write.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { callUnary, createClient } from '@notify/grpc-kit';
import { commonv1, gatewayv1 } from '@notify/proto';
import { checkHealth, waitFor } from '@notify/testing';
import { LEASE_EXPIRED_ERROR } from '../../src/infrastructure/persistence/delivery.store';
import { ADMIN_KEY, freePort, startStack, type Stack } from '../support/gateway-stack';

jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, '../../../..');

describe('gateway killed between the provider call and its bookkeeping', () => {
  let stack: Stack;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    stack = await startStack('gw_crash', { DISPATCH_LEASE_MS: '1500', DISPATCH_POLL_MS: '100', PROVIDER_TIMEOUT_MS: '300' }, { startGateway: false });
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await stack?.stop();
  }, 60_000);

  it('does not send the message again after the restart; the delivery is DEAD (ambiguous) and re-drivable', async () => {
    try {
      await scenario();
    } catch (err) {
      console.log(`child gateway output (tail):\n${output.slice(-4000)}`); // where the child stopped
      throw err;
    }
  });

  async function scenario(): Promise<void> {
    // The webhook port is reserved but not bound while no gateway runs: a free-port probe can
    // hand it out again, and the child would then fail with EADDRINUSE on its gRPC port.
    let grpcPort = await freePort();
    while (grpcPort === stack.webhookPort) grpcPort = await freePort();
    child = spawn(process.execPath, ['-r', './tools/runtime/swc-register.js', 'services/gateway/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...stack.gatewayEnv, GRPC_PORT: String(grpcPort), LOG_LEVEL: 'info', NODE_ENV: 'test', GATEWAY_TEST_PAUSE_AFTER_SEND_MS: '60000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    await waitFor(async () => (await fetch(`http://127.0.0.1:${stack.webhookPort}/healthz`).catch(() => null))?.ok, { timeoutMs: 45_000, intervalMs: 200, description: 'the child gateway to listen' });
    // The webhook server listens before the gRPC server: wait for gRPC SERVING too.
    await waitFor(async () => (await checkHealth(`127.0.0.1:${grpcPort}`).catch(() => '')) === 'SERVING', { timeoutMs: 45_000, intervalMs: 200, description: "the child gateway's gRPC server" });

    const client = createClient(gatewayv1.NotificationServiceClient, `127.0.0.1:${grpcPort}`, { apiKey: ADMIN_KEY, deadlineMs: 30_000 });
    const phone = '6281398765432';
    const res = await callUnary(client, 'notify', gatewayv1.NotifyRequest.fromPartial({
      idempotencyKey: `crash:${randomUUID()}`,
      notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_WELCOME,
      target: { $case: 'recipients', value: { addressees: [{ addressee: { $case: 'phone', value: phone } }] } },
      variables: { customer_name: 'Siti', customer_id: 'CUST-9', package_name: 'Home 50 Mbps', activated_at: '2026-11-22T09:00:00+07:00', support_phone: '6281100000000' },
    }));
    (client as unknown as { close(): void }).close();
    const deliveryId = res.deliveries[0]!.id;

    // The provider accepted it and the child is parked in the hook, before any bookkeeping.
    await waitFor(() => stack.sims.fonnte.messages().some((m) => m.to === phone), { timeoutMs: 20_000 });
    await waitFor(() => output.includes('TEST HOOK'), { timeoutMs: 10_000, description: 'the child to reach the test hook' });
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));

    const before = (await stack.gateway?.store.delivery(deliveryId)) ?? null;
    expect(before).toBeNull(); // no in-process gateway yet
    // Restart (in process, same schema and namespace, no test hook).
    const gw = await stack.restartGateway({ DISPATCH_LEASE_MS: '1500', DISPATCH_POLL_MS: '100', PROVIDER_TIMEOUT_MS: '300' });
    expect((await gw.store.delivery(deliveryId))!.status).toMatch(/SENDING|DEAD/);
    const dead = await waitFor(async () => {
      const d = await gw.store.delivery(deliveryId);
      return d?.status === 'DEAD' ? d : null;
    }, { timeoutMs: 15_000 });
    expect(dead.lastError).toBe(LEASE_EXPIRED_ERROR);
    expect(dead.providerMessageId).toBeNull();
    // Give the restarted dispatcher a few more polls: nothing goes out again.
    await new Promise((r) => setTimeout(r, 1000));
    expect(stack.sims.fonnte.messages().filter((m) => m.to === phone)).toHaveLength(1);
    expect(stack.sims.wablas.messages().filter((m) => m.to === phone)).toHaveLength(0);

    // A human may re-drive it (RetryDelivery): then, and only then, it is sent again.
    const redriven = await callUnary(stack.gatewayClient, 'retryDelivery', gatewayv1.RetryDeliveryRequest.fromPartial({ deliveryId }));
    expect(redriven.delivery!.status).toBe(gatewayv1.DeliveryStatus.DELIVERY_STATUS_QUEUED);
    await waitFor(async () => ['SENT', 'DELIVERED', 'READ'].includes((await gw.store.delivery(deliveryId))!.status), { timeoutMs: 10_000 });
    expect(stack.sims.fonnte.messages().filter((m) => m.to === phone)).toHaveLength(2);
  }
});
