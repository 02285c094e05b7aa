// The gateway's GrpcRecipientDirectory against the real customer service: GetStaff / GetCustomer
// answers kept for DIRECTORY_CACHE_TTL_MS (a clock the test moves), so an edit shows once the TTL
// has run out; unknown ids are asked again every time (never kept as "none"); ttlMs 0 asks every
// time. Real Postgres, customer service over gRPC. The first pages of concurrent resolutions go
// in one BatchResolveRecipients call; against a customer service without it (an older version
// during a rolling update: a real gRPC server answering UNIMPLEMENTED) the directory falls back
// to ResolveRecipients calls, and stops asking for the batch.
import { randomUUID } from 'node:crypto';
import { bindService, callUnary, createClient, startGrpcServer, unary } from '@notify/grpc-kit';
import { commonv1, customerv1, RPC_ROLES } from '@notify/proto';
import { GrpcRecipientDirectory } from '../../src/infrastructure/clients/grpc-recipient.directory';
import { SERVICE_KEY, startStack, type Stack } from '../support/gateway-stack';

jest.setTimeout(120_000);

describe('gateway: the directory keeps display facts for the TTL', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('gw_dircache', {}, { startGateway: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const createStaff = async (name: string, phone: string) =>
    (await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({
      name, phone, role: commonv1.Role.ROLE_TECHNICIAN, workZones: ['karawang'],
    }))).staff!;
  const rename = (id: string, name: string) =>
    callUnary(stack.customerClient, 'updateStaff', customerv1.UpdateStaffRequest.fromPartial({ staff: { id, name }, updateMask: ['name'] }));

  it('answers from the cache until the TTL runs out, then asks the customer service again', async () => {
    let now = 1_000_000;
    const dir = new GrpcRecipientDirectory(stack.customerClient, 1000, { ttlMs: 2_000, now: () => now });
    const s = await createStaff('Lufti', '081299990001');
    expect(await dir.staff(s.id)).toEqual({ id: s.id, name: 'Lufti', phone: '6281299990001' });
    await rename(s.id, 'Lufti Hakim');
    now += 1_999;
    expect((await dir.staff(s.id))?.name).toBe('Lufti');
    now += 2;
    expect((await dir.staff(s.id))?.name).toBe('Lufti Hakim');

    // No cache: every ask reaches the service.
    const fresh = new GrpcRecipientDirectory(stack.customerClient, 1000, { ttlMs: 0 });
    await rename(s.id, 'Lufti H.');
    expect((await fresh.staff(s.id))?.name).toBe('Lufti H.');
  });

  it('never keeps an unknown id, and concurrent asks of one id make one call', async () => {
    const dir = new GrpcRecipientDirectory(stack.customerClient, 1000, { ttlMs: 60_000 });
    const calls = jest.spyOn(stack.customerClient, 'getStaff');
    try {
      // Unknown, well-formed ids (the customer service refuses an id that is not a UUID).
      const noSuchStaff = randomUUID();
      expect(await dir.staff(noSuchStaff)).toBeNull();
      expect(await dir.staff(noSuchStaff)).toBeNull();
      expect(calls).toHaveBeenCalledTimes(2);
      expect(await dir.customer(randomUUID())).toBeNull();
      // An id that is no UUID is nobody's (the customer service answers INVALID_ARGUMENT on `id`).
      expect(await dir.staff('tech-x')).toBeNull();
      expect(await dir.customer('not-a-uuid')).toBeNull();
      calls.mockClear();

      const s = await createStaff('Budi', '081299990002');
      calls.mockClear();
      const [a, b] = await Promise.all([dir.staff(s.id), dir.staff(s.id)]);
      expect(a).toMatchObject({ id: s.id, name: 'Budi' });
      expect(b).toEqual(a);
      expect(await dir.staff(s.id)).toEqual(a);
      expect(calls).toHaveBeenCalledTimes(1);
    } finally {
      calls.mockRestore();
    }
  });

  it('resolves the first pages of concurrent queries in one BatchResolveRecipients call; a bad query fails alone', async () => {
    const dir = new GrpcRecipientDirectory(stack.customerClient, 1000, { ttlMs: 0 });
    const s = await createStaff('Citra', '081299990003');
    const batch = jest.spyOn(stack.customerClient, 'batchResolveRecipients');
    const single = jest.spyOn(stack.customerClient, 'resolveRecipients');
    const query = (context: Partial<customerv1.RecipientContext>, audiences: commonv1.Audience[] = []) => ({
      request: customerv1.ResolveRecipientsRequest.fromPartial({ notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_ASSIGNED, context, audiences }),
    });
    const pages = async (q: ReturnType<typeof query>) => {
      const out = [];
      for await (const page of dir.resolve(q)) out.push(page);
      return out;
    };
    try {
      const results = await Promise.allSettled([
        pages(query({ technicianId: s.id, workZone: 'karawang' })),
        pages(query({ workZone: '' }, [commonv1.Audience.fromPartial({ kind: commonv1.AudienceKind.AUDIENCE_KIND_AREA_CUSTOMERS })])),
        pages(query({ technicianId: s.id, workZone: 'karawang' })),
      ]);
      expect(batch).toHaveBeenCalledTimes(1);
      expect(single).not.toHaveBeenCalled();
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const first = (results[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof pages>>>).value;
      expect(first).toHaveLength(1);
      expect(first[0]!.last).toBe(true);
      expect(first[0]!.recipients.map((r) => r.id)).toContain(s.id);
      expect((results[2] as PromiseFulfilledResult<Awaited<ReturnType<typeof pages>>>).value).toEqual(first);
      const err = (results[1] as PromiseRejectedResult).reason as Error;
      expect(err.name).toBe('ValidationError');
      expect((err as Error & { field: string }).field).toContain('work_zone');
    } finally {
      batch.mockRestore();
      single.mockRestore();
    }
  });

  it('falls back to ResolveRecipients calls when the customer service answers BatchResolveRecipients with UNIMPLEMENTED, and stops asking for it', async () => {
    const s = await createStaff('Dewi', '081299990004');
    // An "older" customer service: ResolveRecipients only (passed on to the real one), every other RPC UNIMPLEMENTED.
    const older = await startGrpcServer({
      serviceName: 'customer-older', host: '127.0.0.1', port: 0, apiKeys: [{ key: SERVICE_KEY, role: 'service' }],
      services: [bindService(customerv1.CustomerServiceService, {
        resolveRecipients: unary((req: customerv1.ResolveRecipientsRequest) => callUnary(stack.customerClient, 'resolveRecipients', req)),
      }, { roles: RPC_ROLES['notify.customer.v1.CustomerService'] })],
    });
    const client = createClient(customerv1.CustomerServiceClient, `127.0.0.1:${older.port}`, { apiKey: SERVICE_KEY });
    const batch = jest.spyOn(client, 'batchResolveRecipients');
    const single = jest.spyOn(client, 'resolveRecipients');
    try {
      const dir = new GrpcRecipientDirectory(client, 1000, { ttlMs: 0 });
      const request = customerv1.ResolveRecipientsRequest.fromPartial({
        notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_ASSIGNED, context: { technicianId: s.id, workZone: 'karawang' },
      });
      const pages = async () => {
        const out = [];
        for await (const page of dir.resolve({ request })) out.push(page);
        return out;
      };
      const first = await Promise.all([pages(), pages()]);
      expect(batch).toHaveBeenCalledTimes(1);
      expect(single).toHaveBeenCalledTimes(2);
      for (const answer of first) {
        expect(answer).toHaveLength(1);
        expect(answer[0]!.recipients.map((r) => r.id)).toContain(s.id);
      }
      expect(first[1]).toEqual(first[0]);
      // From now on single calls only: no second BatchResolveRecipients.
      const again = await Promise.all([pages(), pages()]);
      expect(again).toEqual(first);
      expect(batch).toHaveBeenCalledTimes(1);
      expect(single).toHaveBeenCalledTimes(4);
    } finally {
      (client as unknown as { close(): void }).close();
      await older.shutdown(0);
    }
  });
});
