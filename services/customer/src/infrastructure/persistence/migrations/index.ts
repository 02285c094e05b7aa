import { platformMigrations } from '@notify/db';
import { CreateCustomerDirectory1795400100000 } from './1795400100000-CreateCustomerDirectory';

export { CreateCustomerDirectory1795400100000 };

/** Every migration of the customer schema, in order: the platform tables (outbox, dead letters, processed events) then the directory. */
export const customerMigrations = [...platformMigrations, CreateCustomerDirectory1795400100000];
