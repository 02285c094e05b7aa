import { createHash, timingSafeEqual } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { Role, ROLES, isRole } from './roles';

/**
 * One configured API key, as parsed by `@notify/config` from `NOTIFY_API_KEYS`
 * (comma-separated `key:role` pairs). `role` must be one of {@link ROLES};
 * `staffId` ties the key to a staff member (e.g. a technician's app), when set.
 */
export interface ApiKeyEntry {
  key: string;
  role: string;
  staffId?: string;
}

/**
 * Who is calling. `keyId` is a log-safe id of the key (first 12 hex digits of its
 * SHA-256), never the key itself.
 */
export interface Principal {
  keyId: string;
  role: Role;
  staffId?: string;
}

/** Metadata key that carries the credential: `authorization: Bearer <api key>`. */
export const AUTHORIZATION_METADATA = 'authorization';

interface StoredKey {
  digest: Buffer;
  principal: Principal;
}

/**
 * Checks `authorization: Bearer <key>` metadata against the configured keys.
 * Keys are compared as SHA-256 digests with `crypto.timingSafeEqual`, and every configured
 * key is compared on each call (no early exit), so timing does not reveal a prefix or
 * which key matched.
 */
export class ApiKeyAuthenticator {
  private readonly keys: readonly StoredKey[];

  /**
   * @throws Error at startup when a key is empty or contains whitespace, a role is not one
   *   of ROLES, or a key appears twice (the message names the key by its keyId only).
   */
  constructor(entries: readonly ApiKeyEntry[]) {
    const seen = new Set<string>();
    this.keys = entries.map((entry, index) => {
      if (!entry.key || /\s/.test(entry.key)) {
        throw new Error(`API key #${index + 1} is empty or contains whitespace`);
      }
      const keyId = keyIdOf(entry.key);
      if (!isRole(entry.role)) {
        throw new Error(`API key ${keyId} has unknown role "${entry.role}" (one of: ${ROLES.join(', ')})`);
      }
      if (seen.has(keyId)) throw new Error(`API key ${keyId} is configured twice`);
      seen.add(keyId);
      const principal: Principal = { keyId, role: entry.role };
      if (entry.staffId) principal.staffId = entry.staffId;
      return { digest: sha256(entry.key), principal: Object.freeze(principal) };
    });
  }

  /** Number of configured keys. */
  get size(): number {
    return this.keys.length;
  }

  /**
   * The principal for the call's metadata, or `undefined` when the `authorization` entry is
   * missing, not of the form `Bearer <key>` (scheme case-insensitive), or the key is unknown.
   */
  authenticate(metadata: grpc.Metadata): Principal | undefined {
    const raw = metadata.get(AUTHORIZATION_METADATA)[0];
    if (raw === undefined) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(String(raw));
    if (!match) return undefined;
    return this.lookup(match[1]);
  }

  /** The principal for a bare key, compared in constant time; `undefined` when unknown. */
  lookup(key: string): Principal | undefined {
    const digest = sha256(key);
    let found: Principal | undefined;
    for (const stored of this.keys) {
      if (timingSafeEqual(stored.digest, digest) && !found) found = stored.principal;
    }
    return found;
  }
}

/** Log-safe id of an API key: the first 12 hex digits of its SHA-256. */
export function keyIdOf(key: string): string {
  return sha256(key).toString('hex').slice(0, 12);
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
