/**
 * The demo's story run again and again against one stack, as people do with `npm run demo`:
 * the five services in this process (tools/stack's startEmbeddedStack: the in-process bus and the
 * four simulators, on free ports) against the loopback Postgres (a fresh schema per service)
 * with a per-recipient rate limit of 3 an hour, and steps 1–2 of the scenario played twice.
 * - The directory is reused: the second run finds the staff and groups of the first (fixed
 *   phones), creates none, and Karawang keeps exactly its two technicians; staff an earlier demo
 *   version left with other phones are reused or deactivated.
 * - The rate limit: the seeds' customer got 3 messages in the first run (registration,
 *   welcome, TIKET GANGGUAN DITERIMA), and the second run's ticket messages still go: a
 *   ticket's own messages are neither held back nor counted by the per-recipient rate limit
 *   (the demo's explanation of a message the limit holds back, `rateLimitHold`, is unit-tested
 *   in scenario.spec.ts).
 * - A group the story did not create (a Customer Service group, which hears of each new
 *   registration) is named: the demo looks its chat id up with ListGroups.
 */
// The story needs the real services, which tools/stack composes in one process: this test
// fixture crosses the project boundary on purpose (the demo's own code never imports tools/stack).
/* eslint-disable @nx/enforce-module-boundaries */
import { startEmbeddedStack, type EmbeddedStack } from '../../stack/src/embedded-stack';
/* eslint-enable @nx/enforce-module-boundaries */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { callUnary, createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { commonv1, customerv1 } from '@notify/proto';
import { createTestSchema, type TestSchema } from '@notify/testing';
import { phoneBox } from './phone-box';
import { DEMO_STAFF, playScenario, toE164, type ScenarioOptions } from './scenario';

const ADMIN_KEY = 'demo-it-admin-key-000001';
const SERVICE_KEY = 'demo-it-service-key-0001';
const SERVICES = ['template', 'customer', 'ticket', 'scheduler', 'gateway'] as const;
/** A group of the directory the demo does not create (QA: shown as `WhatsApp to 120363000000002@g.us`). */
const CS_GROUP = { name: 'Customer Service', chatId: '120363000000000002@g.us' };

describe('npm run demo, run twice against one stack', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'notify-demo-it-'));
  const schemas: TestSchema[] = [];
  let stack: EmbeddedStack;
  let customers: customerv1.CustomerServiceClient;
  let target: Omit<ScenarioOptions, 'lastStep'>;

  beforeAll(async () => {
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      STACK_PORTS: 'auto',
      NOTIFY_DATA_DIR: dataDir,
      NOTIFY_API_KEYS: `${ADMIN_KEY}:admin,${SERVICE_KEY}:service`,
      SERVICE_API_KEY: SERVICE_KEY,
      RECIPIENT_RATE_LIMIT: '3',
      SHUTDOWN_GRACE_MS: '2000',
    };
    for (const svc of SERVICES) {
      const schema = await createTestSchema(`demo_${svc}`);
      schemas.push(schema);
      env['DATABASE_URL'] = schema.url;
      env[`${svc.toUpperCase()}_DATABASE_SCHEMA`] = schema.schema;
    }
    stack = await startEmbeddedStack({ env, cwd: dataDir, logger: (component) => createLogger({ service: component, level: 'silent' }) });
    const sims = stack.info.providers.mode === 'simulators' ? stack.info.providers.urls : undefined;
    if (!sims) throw new Error('expected the simulators');
    customers = createClient(customerv1.CustomerServiceClient, stack.info.grpc.customer, { apiKey: ADMIN_KEY });
    target = {
      addresses: stack.info.grpc,
      apiKey: ADMIN_KEY,
      sims,
      webhookUrl: stack.info.webhookUrl,
      stepTimeoutMs: 20_000,
      settleMs: 300,
      rateLimit: { perRecipient: stack.info.rateLimit.perRecipient, windowMs: stack.info.rateLimit.windowMs },
    };
    // A directory an earlier demo version left: two runs' "Andi Pratama" with random phones.
    for (const phone of ['081298765401', '081298765402']) {
      await callUnary(customers, 'createStaff', { name: 'Andi Pratama', phone, role: commonv1.Role.ROLE_TECHNICIAN, workZones: ['karawang'] });
    }
    // The operators' Customer Service group: the seeds' customer's registration (step 1) reaches it.
    await callUnary(customers, 'createGroup', { ...CS_GROUP, category: customerv1.GroupCategory.GROUP_CATEGORY_CUSTOMER_SERVICE, workZone: '', notificationTypes: [] });
  }, 120_000);

  afterAll(async () => {
    (customers as unknown as { close(): void } | undefined)?.close();
    await stack?.stop();
    for (const s of schemas) await s.dropSchema();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const staffOf = async (zone: string): Promise<customerv1.Staff[]> =>
    (
      await callUnary(
        customers,
        'listStaff',
        customerv1.ListStaffRequest.fromPartial({ roles: [commonv1.Role.ROLE_TECHNICIAN, commonv1.Role.ROLE_SUPERVISOR], workZone: zone, activeOnly: true, page: { pageSize: 500 } }),
      )
    ).staff;

  let first: Awaited<ReturnType<typeof playScenario>>;

  it('keeps the rate limit that was set (RECIPIENT_RATE_LIMIT=3), with the gateway window', () => {
    expect(stack.info.rateLimit).toEqual({ perRecipient: 3, windowMs: 3_600_000, chosen: false });
  });

  it('first run: finds the directory an earlier version left, completes it with the fixed phones, and the job offer goes to Karawang only', async () => {
    first = await playScenario({ ...target, lastStep: 2 });
    const d = first.directory;
    // The first of the earlier "Andi Pratama"s is reused (found by name, role and zone), the other deactivated.
    expect(d.technicians.karawang.map((t) => [t.name, t.phone])).toEqual([
      ['Andi Pratama', '6281298765401'],
      ['Rudi Hartono', toE164(DEMO_STAFF.karawang[1]!.phone)],
    ]);
    expect(d.technicians.bekasi.map((t) => t.phone)).toEqual([toE164(DEMO_STAFF.bekasi[0]!.phone)]);
    expect(d.supervisor.phone).toBe(toE164(DEMO_STAFF.supervisor.phone));
    expect(first.steps[0]!.notes.join('\n')).toContain('deactivated 1 duplicate(s) an earlier demo created with other phones: Andi Pratama 6281298765402');
    const karawangTechs = (await staffOf('karawang')).filter((s) => s.role === commonv1.Role.ROLE_TECHNICIAN);
    expect(karawangTechs.map((s) => s.phone).sort()).toEqual(d.technicians.karawang.map((t) => t.phone).sort());
    const offers = first.steps[1]!.messages.filter((m) => m.text.startsWith('🆕 TICKET BARU!')).map((m) => m.to);
    expect(offers.sort()).toEqual([...d.technicians.karawang.map((t) => t.phone), d.groups.karawang.chatId].sort());
    // The Customer Service group's new-registration message, named although the story did not create the group.
    const toCs = first.steps.flatMap((s) => s.messages).filter((m) => m.to === CS_GROUP.chatId);
    expect(toCs.map((m) => m.recipient)).toEqual([{ role: 'group', name: CS_GROUP.name }]);
    expect(phoneBox(toCs[0]!).split('\n')[0]).toMatch(/^┌─ WhatsApp to group Customer Service \(120363000000000002@g\.us\) · via Fonnte /);
  }, 60_000);

  it('second run: reuses every staff member and group (creates none); the ticket\'s messages go although the customer\'s number is past the rate limit', async () => {
    const staffBefore = [...(await staffOf('karawang')), ...(await staffOf('bekasi'))].map((s) => s.id).sort();
    let notes: string[] = [];
    const second = await playScenario({ ...target, lastStep: 2, onStep: (s) => (s.step === 1 ? (notes = s.notes) : undefined) });
    // The seeds' customer got 3 messages in the first run (RECIPIENT_RATE_LIMIT=3 an hour): this
    // run's TIKET GANGGUAN DITERIMA still arrives, not DEFERRED for an hour.
    const received = second.steps[1]!.messages.filter((m) => m.to === first.directory.customer.phone).map((m) => m.text.split('\n')[0]);
    expect(received.some((line) => line.includes('TIKET GANGGUAN DITERIMA'))).toBe(true);
    // The same directory: nothing created, the same groups.
    expect(notes.join('\n')).not.toContain('created:');
    expect(notes.join('\n')).toContain('group Teknisi Karawang exists');
    const staffAfter = [...(await staffOf('karawang')), ...(await staffOf('bekasi'))].map((s) => s.id).sort();
    expect(staffAfter).toEqual(staffBefore);
  }, 60_000);
});
