import { CUSTOMER_TICKET_TEMPLATES } from './customer-ticket.templates';
import { DefaultTemplate } from './default-template';
import { ENGAGEMENT_TEMPLATES } from './engagement.templates';
import { STAFF_TEMPLATES } from './staff.templates';
import { TICKET_SMS_TEMPLATES } from './ticket-sms.templates';

export type { DefaultTemplate, SeedFidelity, SeedSource } from './default-template';

/**
 * Every template the seed step installs, in catalogue order (documented in
 * services/template/TEMPLATES.md). Texts reproduce the seeds exactly where the seeds have
 * them (`source.fidelity`); test/default-templates.golden.spec.ts renders each with its
 * sample variables and compares with the seed text byte for byte.
 */
export const DEFAULT_TEMPLATES: readonly DefaultTemplate[] = [
  ...CUSTOMER_TICKET_TEMPLATES,
  ...TICKET_SMS_TEMPLATES,
  ...STAFF_TEMPLATES,
  ...ENGAGEMENT_TEMPLATES,
];
