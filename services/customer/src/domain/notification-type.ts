import { ValidationError } from '@notify/errors';

/** Dotted lower-case names: `ticket.created`, `sla.warning`, `campaign.maintenance`. */
const NOTIFICATION_TYPE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/** Trims and checks a notification type or template key; ValidationError(field) otherwise. */
export function validateNotificationType(value: string, field = 'notification_type'): string {
  const v = (value ?? '').trim();
  if (!NOTIFICATION_TYPE.test(v)) {
    throw new ValidationError(field, `"${value}" is not a dotted lower-case name like ticket.created`);
  }
  return v;
}
