/** Deepest nesting {@link nulFieldOf} looks into (requests are a few levels deep; Struct values may nest further). */
const MAX_DEPTH = 32;

/**
 * The first string in a decoded request (ts-proto object: camelCase keys, arrays, oneofs as
 * `{ $case, value }`, Struct values as plain objects) that holds U+0000, as a field path in
 * proto spelling (`title`, `recipients.addressees[1].phone`, `variables.customer_name`; a map
 * key holding it names the map), or undefined when there is none. Postgres `text` / `jsonb`
 * cannot store U+0000, so such a value failed deep inside a handler as INTERNAL ("invalid byte
 * sequence"); {@link unary} and {@link serverStream} refuse it up front with INVALID_ARGUMENT
 * naming the field. A clean request (the usual case) costs one walk without building any path.
 */
export function nulFieldOf(value: unknown): string | undefined {
  return hasNul(value, 0) ? pathOf(value, '', 0) : undefined;
}

function hasNul(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || value instanceof Uint8Array || value instanceof Date) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasNul(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (key.includes('\u0000') || hasNul((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/** Generated message keys are camelCase; Struct / map keys are the caller's (kept as written when not camelCase). */
const protoName = (key: string): string => (/^[a-z][a-zA-Z0-9]*$/.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key);
const join = (path: string, name: string): string => (path ? `${path}.${name}` : name);

/** The path of the first NUL under `value` (called only when there is one); `path` names `value` itself. */
function pathOf(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(request)' : undefined;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || value instanceof Uint8Array || value instanceof Date) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = pathOf(value[i], `${path}[${i}]`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  // A ts-proto oneof: the field is the case (`recipients`), not the oneof's name (`target`) nor `value`.
  if (typeof obj['$case'] === 'string' && 'value' in obj) {
    const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
    return pathOf(obj['value'], join(parent, protoName(obj['$case'])), depth + 1);
  }
  for (const [key, v] of Object.entries(obj)) {
    if (key.includes('\u0000')) return path || '(request)';
    const found = pathOf(v, join(path, protoName(key)), depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
