/** Deepest nesting {@link nulFieldOf} looks into (requests are a few levels deep; Struct values may nest further). */
const MAX_DEPTH = 32;

/**
 * The first string in a decoded request (ts-proto object: camelCase keys, arrays, Struct values
 * as plain objects) that holds U+0000, as a field path in proto spelling (`title`,
 * `recipients[1].phone`, `variables.customer_name`; a map key holding it names the map), or
 * undefined when there is none. Postgres `text` / `jsonb` cannot store U+0000, so such a value
 * failed deep inside a handler as INTERNAL ("invalid byte sequence"); {@link unary} and
 * {@link serverStream} refuse it up front with INVALID_ARGUMENT naming the field.
 */
export function nulFieldOf(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(request)' : undefined;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || value instanceof Uint8Array || value instanceof Date) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulFieldOf(value[i], `${path}[${i}]`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value)) {
    // Generated message keys are camelCase; Struct / map keys are the caller's (kept as written).
    const name = /^[a-z][a-zA-Z0-9]*$/.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key;
    const at = path ? `${path}.${name}` : name;
    if (key.includes('\u0000')) return path || '(request)';
    const found = nulFieldOf(v, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
