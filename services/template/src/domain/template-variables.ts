import { ValidationError } from '@notify/errors';

/**
 * The values a template is rendered with: a JSON-like object (strings, finite numbers,
 * booleans, null, arrays, plain objects, and Date for date-times), at most
 * VARIABLES_MAX_DEPTH levels deep. Lists (the tickets of a summary, the actions of an emergency
 * alert) are arrays; the transport maps google.protobuf.Struct or map<string,string> to this.
 */
export type TemplateValue =
  | string
  | number
  | boolean
  | null
  | Date
  | readonly TemplateValue[]
  | { readonly [name: string]: TemplateValue };
export type TemplateVariables = { readonly [name: string]: TemplateValue };

export const VARIABLES_MAX_DEPTH = 8;
export const VARIABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks that `value` is a TemplateVariables object and returns a deep, frozen copy.
 * Throws ValidationError(field) naming the offending path (`variables.tickets[2].number`):
 * not an object, a name that is not an identifier, a function/undefined/NaN/Infinity value,
 * a class instance other than Date, an invalid Date, or nesting deeper than VARIABLES_MAX_DEPTH.
 */
export function parseTemplateVariables(value: unknown, field: string): TemplateVariables {
  if (value === undefined || value === null) return Object.freeze({});
  if (!isPlainObject(value)) throw new ValidationError(field, 'must be an object of named values');
  return copyValue(value, field, 0) as TemplateVariables;
}

function copyValue(value: unknown, path: string, depth: number): TemplateValue {
  if (depth > VARIABLES_MAX_DEPTH) {
    throw new ValidationError(path, `is nested deeper than ${VARIABLES_MAX_DEPTH} levels`);
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ValidationError(path, 'must be a finite number');
    return value;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ValidationError(path, 'is an invalid date');
    return new Date(value.getTime());
  }
  if (Array.isArray(value)) {
    return Object.freeze(value.map((item, i) => copyValue(item, `${path}[${i}]`, depth + 1)));
  }
  if (isPlainObject(value)) {
    const out: Record<string, TemplateValue> = {};
    for (const [name, item] of Object.entries(value)) {
      if (!VARIABLE_NAME_PATTERN.test(name)) {
        throw new ValidationError(`${path}.${name}`, 'is not a valid variable name (letters, digits, _)');
      }
      out[name] = copyValue(item, `${path}.${name}`, depth + 1);
    }
    return Object.freeze(out);
  }
  throw new ValidationError(path, `has unsupported type ${typeof value}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Canonical JSON (sorted keys, Dates as ISO strings): equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
