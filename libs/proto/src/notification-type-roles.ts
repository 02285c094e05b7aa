import { NotificationType, Priority } from './gen/notify/common/v1/common';

const NT = NotificationType;

/**
 * Roles allowed to send each notification type through the API — the gateway's Notify /
 * Broadcast and the scheduler's campaigns (which the gateway sends later as a Broadcast) — after
 * the seeds' "Role-Based Access" table (whatsapp-notification-system-complete.md), as
 * notification_service.proto lists it. A type not listed: `admin` only. Role `service` (another
 * Notify service) may send every type: see {@link mayRoleSend}.
 */
export const NOTIFICATION_TYPE_ROLES: Readonly<Partial<Record<NotificationType, readonly string[]>>> = Object.freeze({
  [NT.NOTIFICATION_TYPE_EMERGENCY_ALERT]: ['admin', 'manager', 'supervisor', 'noc'],
  [NT.NOTIFICATION_TYPE_MAINTENANCE]: ['admin', 'supervisor', 'noc'],
  [NT.NOTIFICATION_TYPE_DAILY_SUMMARY]: ['admin', 'manager'],
  [NT.NOTIFICATION_TYPE_WELCOME]: ['admin', 'customer_service'],
  [NT.NOTIFICATION_TYPE_UPGRADE_OFFER]: ['admin', 'manager'],
  [NT.NOTIFICATION_TYPE_SATISFACTION_SURVEY]: ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'technician'],
  [NT.NOTIFICATION_TYPE_PROMOTION]: ['admin', 'manager'],
  [NT.NOTIFICATION_TYPE_WEEKLY_PERFORMANCE]: ['admin', 'manager', 'supervisor'],
  [NT.NOTIFICATION_TYPE_INSTALLATION_SCHEDULE]: ['admin', 'supervisor', 'customer_service'],
  // whatsapp-notification-recommendation.md "Master data": the NOC team's types are system_alert, outage, critical.
  [NT.NOTIFICATION_TYPE_SYSTEM_ALERT]: ['admin', 'noc'],
});

/** Whether `role` (an API key's role: `admin`, `noc`, … `service`) may send notifications of `type`. */
export function mayRoleSend(role: string, type: NotificationType): boolean {
  if (role === 'service' || role === 'admin') return true;
  return (NOTIFICATION_TYPE_ROLES[type] ?? []).includes(role);
}

/**
 * The priority a notification of `type` gets when its sender gives none (UNSPECIFIED): an
 * emergency alert is URGENT (seeds, whatsapp-notification-recommendation.md "Multi-Channel
 * Strategy": "Critical (Emergency)" is the top tier, with SMS fallback), so quiet hours and the
 * per-recipient rate limit do not hold it; every other type NORMAL. One table for the gateway's
 * Notify / Broadcast and the scheduler's campaigns (notification_service.proto,
 * scheduler_service.proto `priority`).
 */
export function defaultPriority(type: NotificationType): Priority {
  return type === NT.NOTIFICATION_TYPE_EMERGENCY_ALERT ? Priority.PRIORITY_URGENT : Priority.PRIORITY_NORMAL;
}
