import { eventTemplateVariables } from '@notify/events';
import type { SuppliedVariables } from './upsert-template.use-case';

/**
 * What UpsertTemplate checks an edit against (SuppliedVariables): for a key the events render by
 * default, the variables those events carry (@notify/events eventTemplateVariables: the contract
 * the gateway's event mapping and the customer service's default routing are tested against);
 * undefined for any other key (API-sent: the caller gives the variables; the reply flow's).
 */
export const eventSuppliedVariables: SuppliedVariables = (key) => eventTemplateVariables(key);
