import { platformMigrations } from '@notify/db';
import { CreateJobTables1795600000000 } from './1795600000000-CreateJobTables';

/** Every migration of the scheduler schema: the platform's (outbox, dead letters, processed events), then job runs and job states. */
export const schedulerMigrations = [...platformMigrations, CreateJobTables1795600000000];
