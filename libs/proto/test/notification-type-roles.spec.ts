// The per-type send roles (shared by the gateway's Notify / Broadcast and the scheduler's
// campaigns) are the table notification_service.proto documents (the seeds' "Role-Based Access").
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { commonv1, mayRoleSend, NOTIFICATION_TYPE_ROLES, PROTO_ROOT } from '../src';

describe('NOTIFICATION_TYPE_ROLES', () => {
  it('is the table in notification_service.proto, type by type', () => {
    const text = readFileSync(path.join(PROTO_ROOT, 'notify/gateway/v1/notification_service.proto'), 'utf8');
    const documented: Record<string, string[]> = {};
    for (const m of text.matchAll(/^\/\/ {3}([A-Z_]+)\s+([a-z_, ]+)$/gm)) documented[m[1]!] = m[2]!.split(',').map((r) => r.trim());
    expect(Object.keys(documented).length).toBeGreaterThanOrEqual(9);
    const coded = Object.fromEntries(
      Object.entries(NOTIFICATION_TYPE_ROLES).map(([k, roles]) => [commonv1.NotificationType[Number(k)]!.replace('NOTIFICATION_TYPE_', ''), [...roles!]]),
    );
    expect(coded).toEqual(documented);
  });

  it('lets admin and service send any type, others only what the table gives them', () => {
    const T = commonv1.NotificationType;
    expect(mayRoleSend('service', T.NOTIFICATION_TYPE_PAYMENT_REMINDER)).toBe(true);
    expect(mayRoleSend('admin', T.NOTIFICATION_TYPE_PAYMENT_REMINDER)).toBe(true);
    expect(mayRoleSend('manager', T.NOTIFICATION_TYPE_PAYMENT_REMINDER)).toBe(false);
    expect(mayRoleSend('manager', T.NOTIFICATION_TYPE_EMERGENCY_ALERT)).toBe(true);
    expect(mayRoleSend('manager', T.NOTIFICATION_TYPE_MAINTENANCE)).toBe(false);
    expect(mayRoleSend('technician', T.NOTIFICATION_TYPE_SATISFACTION_SURVEY)).toBe(true);
  });
});
