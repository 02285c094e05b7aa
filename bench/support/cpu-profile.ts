// A V8 CPU profile of this process over a window of a benchmark (BENCH_CPU_PROFILE=<dir>): the
// in-process inspector's Profiler, started and stopped around the phase being measured, written
// as `<dir>/<name>-<pid>.cpuprofile` (open it in Chrome DevTools or speedscope).
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import * as path from 'node:path';

/** A running profile; `stop()` writes it and returns the file's path. */
export interface CpuProfileWindow {
  stop(): Promise<string>;
}

function post<T = unknown>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
}

/**
 * Starts profiling this process (sampling every `intervalUs` µs, default 500) when `dir` is set;
 * resolves undefined otherwise, so callers can write `await (await startCpuProfile(dir, 'x'))?.stop()`.
 */
export async function startCpuProfile(dir: string | undefined, name: string, intervalUs = 500): Promise<CpuProfileWindow | undefined> {
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: intervalUs });
  await post(session, 'Profiler.start');
  return {
    async stop() {
      const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${name}-${process.pid}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
