/**
 * NATS subject wildcards: `*` matches exactly one token, `>` (last token only) one or more.
 * Used by the in-process bus to route like JetStream does.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/** True when some subject matches both patterns (JetStream refuses overlapping streams). */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; ; i++) {
    const xi = x[i];
    const yi = y[i];
    if (xi === undefined || yi === undefined) return xi === yi;
    if (xi === '>' || yi === '>') return true;
    if (xi !== '*' && yi !== '*' && xi !== yi) return false;
  }
}
