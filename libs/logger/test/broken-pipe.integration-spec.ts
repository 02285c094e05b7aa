/**
 * A process whose stdout reader died (start:services' runner killed by SIGKILL) and that logs
 * right before it exits must still exit: pino's asynchronous destination retried the flush of a
 * write failing with EPIPE forever at exit, and such a service hung, orphaned, holding its ports.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** Polls `probe` every `intervalMs` until it returns a value; rejects naming `what` after `timeoutMs`. */
async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs: number, intervalMs = 50): Promise<T> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, intervalMs))) {
    const v = probe();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('createLogger to a stdout pipe whose reader is gone', () => {
  it('lets the process exit: logging twice then exiting at once does not hang on EPIPE', async () => {
    const pids: number[] = [];
    try {
      for (let round = 0; round < 3; round++) {
        const parent = spawn(process.execPath, [path.join(__dirname, 'fixtures/spawn-and-wait.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        const pid = await waitFor(() => (/^\d+\n/.test(out) ? Number(out.trim()) : undefined), 'the logging child to start', 30_000);
        pids.push(pid);
        const exited = new Promise((resolve) => parent.once('exit', resolve));
        parent.kill('SIGKILL');
        await exited;
        await waitFor(() => (alive(pid) ? undefined : true), `the logging child ${pid} to exit after its parent was killed`, 10_000);
      }
    } finally {
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 90_000);
});
