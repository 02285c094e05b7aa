import { ValidationError } from '@notify/errors';

/**
 * Checks of raw request fields at the gRPC edge, before any use case runs: the wire carries any
 * int32 in an enum field and any string in an id, so an integrator's typo must be refused here
 * (INVALID_ARGUMENT naming the field by its path in the request) rather than be read as
 * UNSPECIFIED, dropped, or looked up as an id that cannot exist.
 */

// knownEnum, checkActor, requireUuid (trimmed, lower-cased) and quoted: @notify/grpc-kit
// (request-fields.ts), shared with the other services.
export { checkActor, knownEnum, quoted, requireUuid } from '@notify/grpc-kit';

/** ValidationError(field) `is longer than max characters` when the trimmed `value` is. */
export function maxLength(value: string | undefined, field: string, max: number): string {
  const v = (value ?? '').trim();
  if (v.length > max) throw new ValidationError(field, `is longer than ${max} characters`);
  return v;
}

/**
 * Runs `work`, renaming the field of a ValidationError it throws to its path in the request: the
 * domain names the fields of a staff member, group or preferences (`phone`, `quiet_hours.start`),
 * an update RPC carries them inside a message (`staff.phone`, `preferences.quiet_hours.start_minute`).
 * `rename` maps a domain field to its path; any other field gets `prefix` (unless it has it, or is
 * `update_mask`, a field of the request itself).
 */
export async function withFieldPaths<T>(prefix: string, work: () => Promise<T>, rename: Readonly<Record<string, string>> = {}): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const path = rename[err.field] ?? (err.field === 'update_mask' || err.field.startsWith(`${prefix}.`) ? err.field : `${prefix}.${err.field}`);
    if (path === err.field) throw err;
    const detail = err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
    throw new ValidationError(path, detail);
  }
}
