// Services as separate processes for the benchmarks (lifecycle, broadcast): each one is
// `services/<svc>/src/main.ts` run by node through tools/runtime/swc-register.js, in its own
// process group, with its output's last lines kept for a failure report; waiting for SERVING,
// their memory from /proc/<pid>/status, and an ordered SIGTERM stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ServiceName } from '@notify/config';
import { checkHealth } from '@notify/testing';
import { mapConcurrent, waitUntil } from '../gateway/bench-support';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** One service process. */
export interface ServiceProcess {
  readonly name: ServiceName;
  readonly child: ChildProcess;
  readonly addr: string;
  /** The last output lines (stdout and stderr), for a failure report. */
  readonly tail: string[];
  readonly exited: Promise<number>;
  exitCode: number | undefined;
}

/** Starts `services/<name>/src/main.ts` with exactly `env` (nothing of this process's environment is inherited). */
export function spawnService(name: ServiceName, env: Record<string, string | undefined>, addr: string): ServiceProcess {
  const child = spawn(process.execPath, ['-r', path.join(ROOT, 'tools/runtime/swc-register.js'), path.join(ROOT, `services/${name}/src/main.ts`)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only the benchmark, which stops the services itself.
    detached: true,
  });
  const tail: string[] = [];
  const keep = (d: Buffer): void => {
    for (const line of d.toString().split('\n')) if (line.trim()) tail.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
    if (tail.length > 40) tail.splice(0, tail.length - 40);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const proc: ServiceProcess = {
    name, child, addr, tail, exitCode: undefined,
    exited: new Promise<number>((resolve) => child.once('exit', (code, signal) => {
      proc.exitCode = code ?? (signal ? 128 : 1);
      resolve(proc.exitCode);
    })),
  };
  return proc;
}

/** Throws naming the first process of `procs` that exited, with its last output. */
export function assertAlive(procs: readonly ServiceProcess[]): void {
  const dead = procs.find((p) => p.exitCode !== undefined);
  if (dead) throw new Error(`${dead.name} exited (${dead.exitCode}); its last output:\n${dead.tail.join('\n')}`);
}

/** Waits until every process answers SERVING on its address (grpc.health.v1); throws when one exits or after `timeoutMs`. */
export async function waitServing(procs: readonly ServiceProcess[], timeoutMs: number): Promise<void> {
  await mapConcurrent(procs, procs.length, (p) =>
    waitUntil(`${p.name} to answer SERVING on ${p.addr}`, async () => {
      assertAlive([p]);
      return (await checkHealth(p.addr, '', 1_000).catch(() => undefined)) === 'SERVING' ? true : null;
    }, timeoutMs, 250),
  );
}

/** Peak resident set (VmHWM) and current RSS (VmRSS) of a process, MiB; undefined when /proc has none. */
export function memoryOf(pid: number | undefined): { hwm: number; rss: number } | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { hwm: kb('VmHWM') / 1024, rss: kb('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * CPU time a process has used so far (user + system, /proc/<pid>/stat fields 14 and 15), ms;
 * undefined when /proc has none. The fields count USER_HZ ticks, 100 per second on Linux.
 */
export function cpuMsOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces): state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU time of the whole machine so far (/proc/stat `cpu` line, all cores), ms. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy * 10, total: (busy + idle + iowait) * 10 };
}

/** The preload that counts a process's Postgres statements (see the file); pass it with `--require`. */
export const PG_STATEMENT_COUNTER = path.join(ROOT, 'bench/support/pg-statement-counter.js');

/**
 * Statements each process has sent to Postgres so far, as its PG_STATEMENT_COUNTER reports them:
 * SIGUSR2 to each, then waits (at most 10 s) for `<dir>/<pid>.json` to show signal number `seq`
 * (1 for the first snapshot of a run, 2 for the second, …). Throws when a process does not answer.
 */
export async function statementCountsOf(procs: readonly ServiceProcess[], dir: string, seq: number): Promise<number[]> {
  for (const p of procs) p.child.kill('SIGUSR2');
  return mapConcurrent(procs, procs.length, (p) =>
    waitUntil(`${p.name} to report its Postgres statements`, async () => {
      try {
        const r = JSON.parse(readFileSync(path.join(dir, `${p.child.pid}.json`), 'utf8')) as { seq: number; statements: number };
        return r.seq >= seq ? r.statements : null;
      } catch {
        return null;
      }
    }, 10_000, 50),
  );
}

/** SIGTERM to each process still running, last started first; SIGKILL after 15 s. */
export async function stopServices(procs: readonly ServiceProcess[]): Promise<void> {
  for (const p of [...procs].reverse()) {
    if (p.exitCode !== undefined) continue;
    p.child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000).unref());
    if ((await Promise.race([p.exited, timer])) === 'timeout') {
      console.error(`${p.name} did not stop within 15 s of SIGTERM: SIGKILL`);
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
}
