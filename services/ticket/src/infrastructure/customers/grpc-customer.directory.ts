import { NotFoundError } from '@notify/errors';
import { callUnary } from '@notify/grpc-kit';
import type { customerv1 } from '@notify/proto';
import type { CustomerDirectory } from '../../application';
import { cachedLookup } from '../cached-lookup';
import { namedDependencyError } from '../dependency-error';

const FOUND = { found: true } as const;

/**
 * CustomerDirectory backed by the customer service's `GetCustomer` over gRPC (the client the
 * staff directory uses: `createClient(customerv1.CustomerServiceClient, CUSTOMER_ADDR,
 * { apiKey: SERVICE_API_KEY })`, default deadline 5 s). NOT_FOUND → false; other failures
 * propagate (UNAVAILABLE, DEADLINE_EXCEEDED → CreateTicket fails with the same status, its message
 * naming the customer service: namedDependencyError).
 * With `ttlMs` > 0 (DIRECTORY_CACHE_TTL_MS) a customer found is remembered that long (see
 * cachedLookup); one not found is asked again next time.
 */
export class GrpcCustomerDirectory implements CustomerDirectory {
  private readonly lookup: (id: string) => Promise<typeof FOUND | null>;

  constructor(
    private readonly client: customerv1.CustomerServiceClient,
    options: { ttlMs?: number; now?: () => number } = {},
  ) {
    this.lookup = cachedLookup((id) => this.ask(id), options);
  }

  async exists(customerId: string): Promise<boolean> {
    return (await this.lookup(customerId)) !== null;
  }

  private async ask(customerId: string): Promise<typeof FOUND | null> {
    try {
      const res = await callUnary(this.client, 'getCustomer', { id: customerId, phone: '', includeOptOuts: false });
      return res.customer ? FOUND : null;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw namedDependencyError(err, 'customer service');
    }
  }
}

/** A fixed CustomerDirectory (tests, and runs without a customer service): the given ids exist. */
export class StaticCustomerDirectory implements CustomerDirectory {
  private readonly ids: Set<string>;
  constructor(ids: Iterable<string>) {
    this.ids = new Set(ids);
  }
  async exists(customerId: string): Promise<boolean> {
    return this.ids.has(customerId);
  }
}
