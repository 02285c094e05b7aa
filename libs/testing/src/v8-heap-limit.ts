import { execFileSync } from 'node:child_process';

/**
 * V8's whole heap limit, MiB (`v8.getHeapStatistics().heap_size_limit`: the old-space cap plus the
 * young generation), of a fresh Node process (this one's binary) started with `nodeOptions` as its
 * NODE_OPTIONS (undefined = none) and nothing else of this process's environment but PATH.
 * Throws (execFileSync's error, with Node's message on stderr) when Node rejects the options.
 */
export function v8HeapLimitMiB(nodeOptions: string | undefined): number {
  const out = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(require("node:v8").getHeapStatistics().heap_size_limit))'], {
    env: { PATH: process.env['PATH'], ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }) },
    encoding: 'utf8',
  });
  return Number(out) / 2 ** 20;
}
