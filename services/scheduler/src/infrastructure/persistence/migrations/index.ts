import { platformMigrations } from '@notify/db';
import { CreateJobTables1795600000000 } from './1795600000000-CreateJobTables';
import { CreateJobFactsAndCampaigns1795600001000 } from './1795600001000-CreateJobFactsAndCampaigns';
import { AddCampaignFailure1795600002000 } from './1795600002000-AddCampaignFailure';

/** Every migration of the scheduler schema: the platform's (outbox, dead letters, processed events), job runs and states, job facts and campaigns, campaign status FAILED. */
export const schedulerMigrations = [...platformMigrations, CreateJobTables1795600000000, CreateJobFactsAndCampaigns1795600001000, AddCampaignFailure1795600002000];
