import {
  ActivateCustomerUseCase,
  CreateGroupUseCase,
  CreateInvoiceUseCase,
  CreateStaffUseCase,
  DeleteGroupUseCase,
  GetCustomerUseCase,
  GetPreferencesUseCase,
  GetStaffUseCase,
  ListCustomersUseCase,
  ListGroupsUseCase,
  ListInvoicesDueUseCase,
  ListInvoicesUseCase,
  ListRoutingRulesUseCase,
  ListStaffUseCase,
  OptOutUseCase,
  RegisterCustomerUseCase,
  ResolveRecipientsUseCase,
  SetInvoiceStatusUseCase,
  UpdateGroupUseCase,
  UpdatePreferencesUseCase,
  UpdateStaffUseCase,
  UpdateRoutingRuleUseCase,
  seedDefaultRoutingRules,
  type Principal,
  type RegisterCustomerInput,
} from '../../src/application';
import { FixedClock, SequentialIds } from './fakes';
import { InMemoryCustomerStore } from './in-memory-customer-store';

export const ADMIN: Principal = { role: 'admin', staffId: 'adm-1' };
export const CS: Principal = { role: 'customer_service', staffId: 'cs-1' };
export const SERVICE: Principal = { role: 'service' };
export const TECH: Principal = { role: 'technician', staffId: 'tech-budi' };

/** Every customer use case over one in-memory store, clock at 2026-11-22 10:00 WIB. */
export async function customerFixture(start = '2026-11-22T03:00:00Z') {
  const store = new InMemoryCustomerStore();
  const clock = new FixedClock(new Date(start));
  const ids = new SequentialIds();
  await seedDefaultRoutingRules(store.rules);
  const cmd = { uow: store.uow, clock, ids };
  const prefDeps = { preferences: store.preferences, customers: store.customers, staff: store.staff, groups: store.groups, clock };
  const uc = {
    register: new RegisterCustomerUseCase(cmd),
    activate: new ActivateCustomerUseCase(cmd),
    getCustomer: new GetCustomerUseCase({ customers: store.customers }),
    listCustomers: new ListCustomersUseCase({ customers: store.customers }),
    createStaff: new CreateStaffUseCase({ staff: store.staff, clock, ids }),
    getStaff: new GetStaffUseCase({ staff: store.staff }),
    listStaff: new ListStaffUseCase({ staff: store.staff }),
    updateStaff: new UpdateStaffUseCase({ staff: store.staff }),
    createGroup: new CreateGroupUseCase({ groups: store.groups, clock, ids }),
    updateGroup: new UpdateGroupUseCase({ groups: store.groups, clock, ids }),
    deleteGroup: new DeleteGroupUseCase({ groups: store.groups }),
    listGroups: new ListGroupsUseCase({ groups: store.groups }),
    getPreferences: new GetPreferencesUseCase(prefDeps),
    updatePreferences: new UpdatePreferencesUseCase({ ...prefDeps, uow: store.uow, ids }),
    optOut: new OptOutUseCase({ uow: store.uow, clock, ids }),
    createInvoice: new CreateInvoiceUseCase({ invoices: store.invoices, customers: store.customers, uow: store.uow, clock, ids }),
    listInvoicesDue: new ListInvoicesDueUseCase({ invoices: store.invoices, clock }),
    setInvoiceStatus: new SetInvoiceStatusUseCase({ invoices: store.invoices, uow: store.uow, clock, ids }),
    listInvoices: new ListInvoicesUseCase({ invoices: store.invoices }),
    listRules: new ListRoutingRulesUseCase({ rules: store.rules }),
    updateRule: new UpdateRoutingRuleUseCase({ rules: store.rules }),
    resolve: new ResolveRecipientsUseCase({
      rules: store.rules,
      customers: store.customers,
      staff: store.staff,
      groups: store.groups,
      facts: store.facts,
    }),
  };
  let phoneSeq = 1000;
  const register = (overrides: Partial<RegisterCustomerInput> = {}) =>
    uc.register.execute(CS, {
      name: 'Siti',
      phone: `0812${String((phoneSeq += 1)).padStart(8, '0')}`,
      address: 'Jl. Kertabumi 5',
      workZone: 'karawang',
      packageName: 'Home 20Mbps',
      wantsInstallation: true,
      ...overrides,
    });
  return { store, clock, ids, uc, register };
}
