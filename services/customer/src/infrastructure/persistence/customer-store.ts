import type { DataSource } from 'typeorm';
import { dataSourceSchema } from '@notify/db';
import type {
  CustomerRepository,
  CustomerUnitOfWork,
  GroupRepository,
  InvoiceRepository,
  OptOutRepository,
  PreferencesRepository,
  RoutingRuleRepository,
  CandidateFactsReader,
  StaffRepository,
} from '../../application';
import { TypeOrmCustomerUnitOfWork } from './customer.unit-of-work';
import { PgCustomerRepository } from './repositories/customer.repository';
import { PgGroupRepository } from './repositories/group.repository';
import { PgInvoiceRepository } from './repositories/invoice.repository';
import { PgOptOutRepository } from './repositories/opt-out.repository';
import { PgPreferencesRepository } from './repositories/preferences.repository';
import { PgRoutingRuleRepository, type RoutingRuleCacheOptions } from './repositories/routing-rule.repository';
import { PgStaffRepository } from './repositories/staff.repository';
import { PgCandidateFactsReader } from './repositories/candidate-facts.repository';

/** Every port of the customer application over one DataSource (its schema). */
export interface CustomerStore {
  readonly customers: CustomerRepository;
  readonly uow: CustomerUnitOfWork;
  readonly staff: StaffRepository;
  readonly groups: GroupRepository;
  readonly preferences: PreferencesRepository;
  readonly optOuts: OptOutRepository;
  readonly invoices: InvoiceRepository;
  readonly rules: RoutingRuleRepository;
  readonly facts: CandidateFactsReader;
}

/**
 * Builds the Postgres-backed ports; `namespace` prefixes outbox subjects (tests);
 * `rulesCache` says how long the routing rules of a notification type are kept (ms; not cached
 * when absent; see PgRoutingRuleRepository).
 */
export function createCustomerStore(ds: DataSource, namespace?: string, options: { rulesCache?: RoutingRuleCacheOptions } = {}): CustomerStore {
  const ctx = { manager: ds.manager, schema: dataSourceSchema(ds) };
  return {
    customers: new PgCustomerRepository(ctx),
    uow: new TypeOrmCustomerUnitOfWork(ds, namespace),
    staff: new PgStaffRepository(ctx),
    groups: new PgGroupRepository(ctx),
    preferences: new PgPreferencesRepository(ctx),
    optOuts: new PgOptOutRepository(ctx),
    invoices: new PgInvoiceRepository(ctx),
    rules: new PgRoutingRuleRepository(ctx, options.rulesCache),
    facts: new PgCandidateFactsReader(ctx),
  };
}
