const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `{ id }` for a UUID, otherwise `{ phone }` passed through as typed (`0812-3456-7890`,
 * `+62 812…`, `62812…`): the customer service normalizes phones.
 */
export function idOrPhone(value: string): { id: string; phone: string; includeOptOuts: boolean } {
  return UUID.test(value.trim()) ? { id: value.trim(), phone: '', includeOptOuts: false } : { id: '', phone: value.trim(), includeOptOuts: false };
}
