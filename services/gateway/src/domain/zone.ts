/** `karawang barat` → `Karawang Barat`: a work-zone slug as the messages show it. */
export const titleCase = (s: string): string => s.replace(/(^|[\s-])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase());
