import { NotFoundError, UnavailableError, ValidationError } from '@notify/errors';
import { bindService, createClient, startGrpcServer, unary, type RunningGrpcServer } from '@notify/grpc-kit';
import { commonv1, customerv1, RPC_ROLES, SERVICE_CATALOG } from '@notify/proto';
import { GrpcCustomerDirectory } from '../src/infrastructure/customers/grpc-customer.directory';
import { GrpcStaffDirectory } from '../src/infrastructure/staff/grpc-staff.directory';

const SERVICE_KEY = 'it-staff-service-key-001';

/**
 * GrpcStaffDirectory and GrpcCustomerDirectory against a real gRPC server implementing only
 * `notify.customer.v1.CustomerService.GetStaff` and `GetCustomer` (API-key auth and roles as in
 * production).
 */
describe('GrpcStaffDirectory / GrpcCustomerDirectory (customer GetStaff / GetCustomer over gRPC)', () => {
  let server: RunningGrpcServer;
  let client: customerv1.CustomerServiceClient;
  const calls: string[] = [];

  beforeAll(async () => {
    const entry = SERVICE_CATALOG.customer;
    const impl: Partial<customerv1.CustomerServiceServer> = {
      getStaff: unary(async (req: customerv1.GetStaffRequest) => {
        calls.push(req.id);
        // As the customer service answers an id that is no UUID.
        if (req.id.startsWith('not-a-uuid')) throw new ValidationError('id', `must be a UUID, got "${req.id}"`);
        if (req.id !== 'tech-1') throw new NotFoundError('staff', req.id);
        return {
          optOuts: [],
          staff: customerv1.Staff.fromPartial({
            id: 'tech-1',
            name: 'Lufti',
            phone: '6282291921583',
            role: commonv1.Role.ROLE_TECHNICIAN,
            workZones: ['Karawang', 'bekasi'],
            active: true,
          }),
        };
      }),
      getCustomer: unary(async (req: customerv1.GetCustomerRequest) => {
        calls.push(`customer:${req.id}`);
        if (req.id !== 'cust-1') throw new NotFoundError('customer', req.id);
        return { optOuts: [], customer: customerv1.Customer.fromPartial({ id: 'cust-1', name: 'Budi Santoso', phone: '6282291921583' }) };
      }),
    };
    const bound = bindService(entry.definition, impl, { roles: RPC_ROLES[entry.fullName as keyof typeof RPC_ROLES] });
    server = await startGrpcServer({ serviceName: 'customer-stub', host: '127.0.0.1', port: 0, services: [bound], apiKeys: [{ key: SERVICE_KEY, role: 'service' }] });
    client = createClient(customerv1.CustomerServiceClient, `127.0.0.1:${server.port}`, { apiKey: SERVICE_KEY, deadlineMs: 2_000 });
  });

  afterAll(async () => {
    client?.close();
    await server?.shutdown(1_000);
  });

  it('maps a staff member (role name, lower-cased zones) and an unknown id to null', async () => {
    const dir = new GrpcStaffDirectory(client);
    await expect(dir.findStaff('tech-1')).resolves.toEqual({
      id: 'tech-1',
      name: 'Lufti',
      role: 'technician',
      workZones: ['karawang', 'bekasi'],
      active: true,
    });
    await expect(dir.findStaff('nobody')).resolves.toBeNull();
    expect(calls).toEqual(['tech-1', 'nobody']);
    // A staff id from an API key that is no UUID is nobody's (not an INVALID_ARGUMENT on `id` for the caller).
    await expect(dir.findStaff('not-a-uuid-tech-x')).resolves.toBeNull();
  });

  it('keeps a found staff member for the TTL (one call for concurrent asks), never an unknown id', async () => {
    let now = 1_000_000;
    const dir = new GrpcStaffDirectory(client, { ttlMs: 2_000, now: () => now });
    calls.length = 0;
    const [a, b] = await Promise.all([dir.findStaff('tech-1'), dir.findStaff('tech-1')]);
    expect(b).toEqual(a);
    expect(a?.name).toBe('Lufti');
    now += 1_999;
    await dir.findStaff('tech-1');
    expect(calls).toEqual(['tech-1']);
    now += 2;
    await dir.findStaff('tech-1');
    expect(calls).toEqual(['tech-1', 'tech-1']);
    await expect(dir.findStaff('nobody')).resolves.toBeNull();
    await expect(dir.findStaff('nobody')).resolves.toBeNull();
    expect(calls).toEqual(['tech-1', 'tech-1', 'nobody', 'nobody']);
  });

  it('tells whether a customer exists, remembering only the found ones for the TTL', async () => {
    let now = 1_000_000;
    const dir = new GrpcCustomerDirectory(client, { ttlMs: 2_000, now: () => now });
    calls.length = 0;
    await expect(dir.exists('cust-1')).resolves.toBe(true);
    await expect(dir.exists('cust-1')).resolves.toBe(true);
    await expect(dir.exists('nobody')).resolves.toBe(false);
    await expect(dir.exists('nobody')).resolves.toBe(false);
    expect(calls).toEqual(['customer:cust-1', 'customer:nobody', 'customer:nobody']);
    now += 2_001;
    await dir.exists('cust-1');
    expect(calls.at(-1)).toBe('customer:cust-1');
    const dead = createClient(customerv1.CustomerServiceClient, '127.0.0.1:1', { apiKey: SERVICE_KEY, deadlineMs: 1_000 });
    try {
      await expect(new GrpcCustomerDirectory(dead).exists('cust-1')).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      dead.close();
    }
  });

  it('fails with UnavailableError when the customer service cannot be reached', async () => {
    const dead = createClient(customerv1.CustomerServiceClient, '127.0.0.1:1', { apiKey: SERVICE_KEY, deadlineMs: 1_000 });
    try {
      await expect(new GrpcStaffDirectory(dead).findStaff('tech-1')).rejects.toBeInstanceOf(UnavailableError);
      // Named (QA: a bare "No connection established" read as the ticket service's own fault).
      await expect(new GrpcStaffDirectory(dead).findStaff('tech-1')).rejects.toThrow(/^the customer service is unavailable: /);
      await expect(new GrpcCustomerDirectory(dead).exists('cust-1')).rejects.toThrow(/^the customer service is unavailable: /);
    } finally {
      dead.close();
    }
  });
});
