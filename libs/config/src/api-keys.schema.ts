import { z } from 'zod';

/**
 * Caller roles. Each RPC names the roles it allows (the role table in the seed
 * `whatsapp-notification-system-complete.md`); `service` is another Notify service or an
 * internal system calling over gRPC.
 */
export const ROLES = ['admin', 'manager', 'supervisor', 'noc', 'customer_service', 'technician', 'service'] as const;
export type Role = (typeof ROLES)[number];

/** One API key: the bearer token, its role and, for a technician's key, the staff id it acts as. */
export interface ApiKey {
  readonly key: string;
  readonly role: Role;
  /** Staff member the key belongs to (third part of `key:role:staff_id`), if any. */
  readonly staffId?: string;
}

const KEY_CHARS = /^[A-Za-z0-9._~+/=-]+$/;
const STAFF_ID_CHARS = /^[A-Za-z0-9._-]+$/;

/**
 * Parses `NOTIFY_API_KEYS`: comma-separated `key:role` or `key:role:staff_id` entries.
 * Keys: 16+ characters of `A-Z a-z 0-9 . _ ~ + / = -`, unique. Roles: one of {@link ROLES}.
 * Returns the entries or a list of problems, each naming the 1-based entry number (never the key).
 */
export function parseApiKeys(raw: string): { ok: true; keys: ApiKey[] } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const keys: ApiKey[] = [];
  const seen = new Set<string>();
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) problems.push('no key:role entries');
  entries.forEach((entry, i) => {
    const n = i + 1;
    const parts = entry.split(':');
    if (parts.length < 2 || parts.length > 3) {
      problems.push(`entry ${n}: expected key:role or key:role:staff_id`);
      return;
    }
    const [key, role, staffId] = parts.map((p) => p.trim()) as [string, string, string | undefined];
    if (key.length < 16 || !KEY_CHARS.test(key)) {
      problems.push(`entry ${n}: key must be at least 16 characters of A-Z a-z 0-9 . _ ~ + / = -`);
      return;
    }
    if (!(ROLES as readonly string[]).includes(role)) {
      // The text is not echoed: a key pasted in the role position must not reach a log.
      problems.push(`entry ${n}: unknown role (roles: ${ROLES.join(', ')})`);
      return;
    }
    if (staffId !== undefined && !STAFF_ID_CHARS.test(staffId)) {
      problems.push(`entry ${n}: staff_id must be non-empty A-Z a-z 0-9 . _ -`);
      return;
    }
    if (seen.has(key)) {
      problems.push(`entry ${n}: duplicate key`);
      return;
    }
    seen.add(key);
    keys.push(staffId === undefined ? { key, role: role as Role } : { key, role: role as Role, staffId });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, keys };
}

/** Schema for `NOTIFY_API_KEYS` (see {@link parseApiKeys}). Output: `ApiKey[]`. */
export function apiKeys() {
  return z.string().transform((raw, ctx): ApiKey[] => {
    const r = parseApiKeys(raw);
    if (!r.ok) {
      for (const message of r.problems) ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return r.keys;
  });
}
