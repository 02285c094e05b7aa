import { commonv1 } from '@notify/proto';
import { UsageError, parseEnum } from './args';

/**
 * Parses `--audience kind[:key=value,…]` into an `Audience` (common.proto): `kind` is an
 * AudienceKind short name (`all_customers`, `area_customers`, `zone_technicians`,
 * `supervisors`, `group`, `staff_roles`, …); keys: `zone` (work zone slug), `group` (group
 * id), `roles` (`technician+supervisor`), `customer` (id), `staff` (id), `phone` (a bare phone,
 * kind `phone`). Examples: `all_customers`, `area_customers:zone=karawang`, `group:group=<uuid>`, `phone:phone=0812…`,
 * `staff_roles:roles=technician+supervisor,zone=bekasi`. Throws UsageError on an unknown
 * kind, key or role.
 */
export function parseAudience(flag: string, value: string): commonv1.Audience {
  const [kindText, rest = ''] = splitOnce(value.trim(), ':');
  const audience: commonv1.Audience = {
    kind: parseEnum(commonv1.AudienceKind, 'AUDIENCE_KIND_', flag, kindText),
    workZone: '',
    groupId: '',
    roles: [],
    customerId: '',
    staffId: '',
  };
  for (const part of rest.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, v] = splitOnce(part, '=');
    if (v === undefined || v.trim() === '') throw new UsageError(`--${flag}: "${part}" must be key=value`);
    switch (key.trim()) {
      case 'zone':
        audience.workZone = v.trim();
        break;
      case 'group':
        audience.groupId = v.trim();
        break;
      case 'customer':
        audience.customerId = v.trim();
        break;
      case 'staff':
        audience.staffId = v.trim();
        break;
      case 'phone':
        audience.phone = v.trim();
        break;
      case 'roles':
        audience.roles = v.split('+').map((r) => parseEnum(commonv1.Role, 'ROLE_', flag, r));
        break;
      default:
        throw new UsageError(`--${flag}: unknown key "${key}" (zone, group, roles, customer, staff, phone)`);
    }
  }
  return audience;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
