import { platformMigrations } from '@notify/db';
import { CreateCustomerDirectory1795400100000 } from './1795400100000-CreateCustomerDirectory';
import { ActiveCustomersByIdIndex1795400200000 } from './1795400200000-ActiveCustomersByIdIndex';
import { ListByNameIndexes1795400300000 } from './1795400300000-ListByNameIndexes';
import { InvoiceNumbersAndDescriptions1795400400000 } from './1795400400000-InvoiceNumbersAndDescriptions';
import { InvoiceStatusChanges1795400500000 } from './1795400500000-InvoiceStatusChanges';
import { CreateRequests1795400600000 } from './1795400600000-CreateRequests';
import { CustomerSuspension1795400700000 } from './1795400700000-CustomerSuspension';

export {
  ActiveCustomersByIdIndex1795400200000,
  CreateCustomerDirectory1795400100000,
  CreateRequests1795400600000,
  CustomerSuspension1795400700000,
  InvoiceNumbersAndDescriptions1795400400000,
  InvoiceStatusChanges1795400500000,
  ListByNameIndexes1795400300000,
};

/**
 * Every migration of the customer schema, in order: the platform tables (outbox, dead letters,
 * processed events), the directory, its broadcast index, the by-name list indexes, the invoice
 * number counters and descriptions, the invoice status changes (paid, cancelled), the
 * RegisterCustomer / CreateInvoice idempotency keys, the customers' suspensions (SuspendCustomer).
 */
export const customerMigrations = [
  ...platformMigrations,
  CreateCustomerDirectory1795400100000,
  ActiveCustomersByIdIndex1795400200000,
  ListByNameIndexes1795400300000,
  InvoiceNumbersAndDescriptions1795400400000,
  InvoiceStatusChanges1795400500000,
  CreateRequests1795400600000,
  CustomerSuspension1795400700000,
];
