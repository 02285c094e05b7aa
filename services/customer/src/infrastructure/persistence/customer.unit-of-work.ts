import type { DataSource } from 'typeorm';
import { appendToOutbox, dataSourceSchema } from '@notify/db';
import { encodeEvent } from '@notify/events';
import type { CustomerEventOutbox, CustomerTransaction, CustomerUnitOfWork } from '../../application';
import type { CustomerEvent, InvoiceStatusEvent, OptOutEvent, PreferencesEvent } from '../../domain';
import { invoiceStatusEventToProto, optOutEventToProto, preferencesEventToProto } from '../../transport/grpc/customer.proto-mapper';
import { customerEventToProto } from '../messaging/customer-event.mapper';
import { PgCreateRequestLog } from './repositories/create-request.repository';
import { PgCustomerRepository } from './repositories/customer.repository';
import { PgInvoiceRepository } from './repositories/invoice.repository';
import { PgOptOutRepository } from './repositories/opt-out.repository';
import { PgPreferencesRepository } from './repositories/preferences.repository';

/**
 * Unit of work over one TypeORM transaction: the customer, preferences, opt-out and invoice
 * repositories, the idempotency keys (create_requests) and the outbox share the transaction's
 * EntityManager, so a change, its `notify.customer.v1.*` event and the request id that asked for
 * it commit (or roll back) together. `namespace` prefixes subjects
 * (tests; undefined in production). The relay (`startOutboxRelay`) publishes with
 * `Nats-Msg-Id` = event id.
 */
export class TypeOrmCustomerUnitOfWork implements CustomerUnitOfWork {
  private readonly schema: string;

  constructor(
    private readonly ds: DataSource,
    private readonly namespace?: string,
  ) {
    this.schema = dataSourceSchema(ds);
  }

  run<T>(work: (tx: CustomerTransaction) => Promise<T>): Promise<T> {
    return this.ds.transaction(async (manager) => {
      const outbox: CustomerEventOutbox = {
        append: async (event: CustomerEvent | PreferencesEvent | OptOutEvent | InvoiceStatusEvent) => {
          const encoded = event.kind === 'preferences_updated'
            ? encodeEvent('customer.preferences_updated', preferencesEventToProto(event), this.namespace)
            : event.kind === 'opted_out'
              ? encodeEvent('customer.opted_out', optOutEventToProto(event), this.namespace)
              : event.kind === 'invoice_status_changed'
                ? encodeEvent('customer.invoice_status_changed', invoiceStatusEventToProto(event), this.namespace)
                : encodeEvent(`customer.${event.kind}`, customerEventToProto(event), this.namespace);
          await appendToOutbox(manager, { id: encoded.msgID, subject: encoded.subject, data: encoded.data });
        },
      };
      const ctx = { manager, schema: this.schema };
      return work({
        customers: new PgCustomerRepository(ctx),
        preferences: new PgPreferencesRepository(ctx),
        optOuts: new PgOptOutRepository(ctx),
        invoices: new PgInvoiceRepository(ctx),
        outbox,
        requests: new PgCreateRequestLog(ctx),
      });
    });
  }
}
