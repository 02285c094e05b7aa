import { platformMigrations } from '@notify/db';
import { CreateDeliveryTables1795400500000 } from './1795400500000-CreateDeliveryTables';

/** Every migration of the gateway schema, in order: the platform's (outbox, dead letters, processed events), then the delivery tables. */
export const gatewayMigrations = [...platformMigrations, CreateDeliveryTables1795400500000];
