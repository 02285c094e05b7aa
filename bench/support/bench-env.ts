// Environment helpers shared by the benchmarks' bench.config.ts files.

/** `<prefix><VAR>` entries of `env` with a non-blank value, prefix removed (e.g. BENCH_GATEWAY_DISPATCH_WORKERS → DISPATCH_WORKERS). */
export function prefixedEnv(env: Readonly<Record<string, string | undefined>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith(prefix) && v !== undefined && v.trim() !== '') out[k.slice(prefix.length)] = v;
  }
  return out;
}
