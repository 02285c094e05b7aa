import { EntitySchema } from 'typeorm';

/**
 * TypeORM mappings of the customer directory tables (the migration
 * 1795400100000-CreateCustomerDirectory and its later migrations are the source of truth; the persistence spec checks
 * that TypeORM's schema builder sees no difference between these and the migrated schema).
 * Row shapes are the tables' own (snake_case); repositories map rows ⇄ domain objects.
 */

export interface CustomerRow {
  id: string;
  name: string;
  phone: string;
  address: string;
  work_zone: string;
  package_name: string;
  status: string;
  wants_installation: boolean;
  created_at: Date;
  updated_at: Date;
  activated_at: Date | null;
  version: number;
  /** When suspended (migration 1795400700000); null unless SUSPENDED. */
  suspended_at: Date | null;
  /** Why suspended; '' unless SUSPENDED. */
  suspension_reason: string;
  /** Who suspended; null unless SUSPENDED. */
  suspended_by: string | null;
}

const text = { type: 'text' } as const;
const ts = { type: 'timestamp with time zone' } as const;

export const CustomerEntity = new EntitySchema<CustomerRow>({
  name: 'customers',
  tableName: 'customers',
  columns: {
    id: { ...text, primary: true, primaryKeyConstraintName: 'customers_pkey' },
    name: text,
    phone: text,
    address: text,
    work_zone: text,
    package_name: text,
    status: text,
    wants_installation: { type: 'boolean', default: false },
    created_at: ts,
    updated_at: ts,
    activated_at: { ...ts, nullable: true },
    version: { type: 'integer' },
    suspended_at: { ...ts, nullable: true },
    suspension_reason: { ...text, default: () => `''` },
    suspended_by: { ...text, nullable: true },
  },
  uniques: [{ name: 'customers_phone_key', columns: ['phone'] }],
  checks: [{ name: 'customers_status_check', expression: `status IN ('PENDING', 'ACTIVE', 'SUSPENDED')` }],
  indices: [
    // ListCustomers' by-name pages (migration ListByNameIndexes: name and id COLLATE "C").
    { name: 'customers_name_idx', columns: ['name', 'id'], synchronize: false },
    { name: 'customers_zone_name_idx', columns: ['work_zone', 'name', 'id'], synchronize: false },
    // (work_zone, id COLLATE "C") and (id COLLATE "C"), both WHERE status = 'ACTIVE': migration 1795400200000
    // (TypeORM cannot express a collated index column; synchronize: false leaves them to the migration).
    { name: 'customers_active_zone_idx', columns: ['work_zone', 'id'], where: `status = 'ACTIVE'`, synchronize: false },
    { name: 'customers_active_id_idx', columns: ['id'], where: `status = 'ACTIVE'`, synchronize: false },
  ],
});

export interface StaffRow {
  id: string;
  name: string;
  role: string;
  phone: string | null;
  work_zones: string[];
  active: boolean;
  created_at: Date;
}

export const StaffEntity = new EntitySchema<StaffRow>({
  name: 'staff',
  tableName: 'staff',
  columns: {
    id: { ...text, primary: true, primaryKeyConstraintName: 'staff_pkey' },
    name: text,
    role: text,
    phone: { ...text, nullable: true },
    work_zones: { ...text, array: true, default: () => `'{}'` },
    active: { type: 'boolean', default: true },
    created_at: ts,
  },
  uniques: [{ name: 'staff_phone_key', columns: ['phone'] }],
  indices: [{ name: 'staff_name_idx', columns: ['name', 'id'], synchronize: false }], // name and id COLLATE "C" (migration ListByNameIndexes)
});

export interface GroupRow {
  id: string;
  name: string;
  description: string | null;
  chat_id: string;
  category: string;
  work_zone: string | null;
  notification_types: string[];
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export const GroupEntity = new EntitySchema<GroupRow>({
  name: 'whatsapp_groups',
  tableName: 'whatsapp_groups',
  columns: {
    id: { ...text, primary: true, primaryKeyConstraintName: 'whatsapp_groups_pkey' },
    name: text,
    description: { ...text, nullable: true },
    chat_id: text,
    category: text,
    work_zone: { ...text, nullable: true },
    notification_types: { ...text, array: true, default: () => `'{}'` },
    active: { type: 'boolean', default: true },
    created_at: ts,
    updated_at: ts,
  },
  uniques: [
    { name: 'whatsapp_groups_chat_id_key', columns: ['chat_id'] },
    { name: 'whatsapp_groups_name_key', columns: ['name'] },
  ],
});

export interface PreferencesRow {
  subject_kind: string;
  subject_id: string;
  whatsapp: boolean;
  sms: boolean;
  opted_out_types: string[];
  quiet_start: string | null;
  quiet_end: string | null;
  time_zone: string;
  locale: string;
  updated_at: Date | null;
}

export const PreferencesEntity = new EntitySchema<PreferencesRow>({
  name: 'preferences',
  tableName: 'preferences',
  columns: {
    subject_kind: { ...text, primary: true, primaryKeyConstraintName: 'preferences_pkey' },
    subject_id: { ...text, primary: true, primaryKeyConstraintName: 'preferences_pkey' },
    whatsapp: { type: 'boolean' },
    sms: { type: 'boolean' },
    opted_out_types: { ...text, array: true, default: () => `'{}'` },
    quiet_start: { ...text, nullable: true },
    quiet_end: { ...text, nullable: true },
    time_zone: text,
    locale: text,
    updated_at: { ...ts, nullable: true },
  },
});

export interface OptOutRow {
  phone: string;
  channel: string;
  reason: string | null;
  at: Date;
}

export const OptOutEntity = new EntitySchema<OptOutRow>({
  name: 'opt_outs',
  tableName: 'opt_outs',
  columns: {
    phone: { ...text, primary: true, primaryKeyConstraintName: 'opt_outs_pkey' },
    channel: { ...text, primary: true, primaryKeyConstraintName: 'opt_outs_pkey' },
    reason: { ...text, nullable: true },
    at: ts,
  },
});

export interface InvoiceRow {
  id: string;
  customer_id: string;
  number: string | null;
  /** bigint arrives as a string from pg. */
  amount_rupiah: string;
  /** `YYYY-MM-DD`. */
  due_date: string;
  status: string;
  /** '' when none. */
  description: string;
  created_at: Date;
  /** When it became PAID or CANCELLED (migration 1795400500000); null while UNPAID. */
  status_changed_at: Date | null;
  /** Why, as given with the status change; '' when none. */
  status_reason: string;
  /** Who changed the status; null while UNPAID. */
  status_changed_by: string | null;
}

export const InvoiceEntity = new EntitySchema<InvoiceRow>({
  name: 'invoices',
  tableName: 'invoices',
  columns: {
    id: { ...text, primary: true, primaryKeyConstraintName: 'invoices_pkey' },
    customer_id: text,
    number: { ...text, nullable: true },
    amount_rupiah: { type: 'bigint' },
    due_date: { type: 'date' },
    status: text,
    description: { ...text, default: () => `''` },
    created_at: ts,
    status_changed_at: { ...ts, nullable: true },
    status_reason: { ...text, default: () => `''` },
    status_changed_by: { ...text, nullable: true },
  },
  uniques: [{ name: 'invoices_number_key', columns: ['number'] }],
  checks: [{ name: 'invoices_amount_rupiah_check', expression: 'amount_rupiah > 0' }],
  indices: [
    { name: 'invoices_customer_idx', columns: ['customer_id'], synchronize: false },
    { name: 'invoices_unpaid_due_idx', columns: ['due_date', 'id'], where: `status = 'UNPAID'`, synchronize: false },
    { name: 'invoices_due_idx', columns: ['due_date', 'id'], synchronize: false },
  ],
  relations: {
    customer: {
      type: 'many-to-one',
      target: 'customers',
      joinColumn: { name: 'customer_id', foreignKeyConstraintName: 'invoices_customer_id_fkey' },
      nullable: false,
    },
  } as never,
});

/** Invoice number sequences (migration 1795400400000): the last number given per month `YYYYMM`. */
export interface InvoiceNumberCounterRow {
  month: string;
  last_value: number;
}

export const InvoiceNumberCounterEntity = new EntitySchema<InvoiceNumberCounterRow>({
  name: 'invoice_number_counters',
  tableName: 'invoice_number_counters',
  columns: {
    month: { ...text, primary: true, primaryKeyConstraintName: 'invoice_number_counters_pkey' },
    last_value: { type: 'integer' },
  },
  checks: [{ name: 'invoice_number_counters_last_value_check', expression: 'last_value > 0' }],
});

export interface RoutingRuleRow {
  id: string;
  notification_type: string;
  ticket_type: string | null;
  escalation_level: number | null;
  audience: string;
  channels: string[];
  template_key: string;
  enabled: boolean;
  source: string;
  updated_at: Date;
}

export const RoutingRuleEntity = new EntitySchema<RoutingRuleRow>({
  name: 'routing_rules',
  tableName: 'routing_rules',
  columns: {
    id: { ...text, primary: true, primaryKeyConstraintName: 'routing_rules_pkey' },
    notification_type: text,
    ticket_type: { ...text, nullable: true },
    escalation_level: { type: 'integer', nullable: true },
    audience: text,
    channels: { ...text, array: true },
    template_key: text,
    enabled: { type: 'boolean' },
    source: { ...text, default: () => `''` },
    updated_at: { ...ts, default: () => 'now()' },
  },
  indices: [{ name: 'routing_rules_type_idx', columns: ['notification_type'], synchronize: false }],
});

/** Every directory entity, for `createDataSource({ entities })`. */
export const customerEntities = [
  CustomerEntity,
  StaffEntity,
  GroupEntity,
  PreferencesEntity,
  OptOutEntity,
  InvoiceEntity,
  InvoiceNumberCounterEntity,
  RoutingRuleEntity,
];
