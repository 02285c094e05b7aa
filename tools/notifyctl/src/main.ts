// The notifyctl process: `node -r ./tools/runtime/swc-register.js tools/notifyctl/src/main.ts …`,
// or through the launcher `bin/notifyctl.js` (`npx notifyctl …`, `npm run notifyctl -- …`).
import { runCli } from './cli';

// Output cut short by its reader (`notifyctl … | head -1`): stop quietly, as Unix tools do, not
// with an unhandled EPIPE stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// Ctrl-C: a streaming command (`deliveries watch`) stops and the CLI exits 0; a second one exits at once.
const interrupted = new AbortController();
process.on('SIGINT', () => {
  if (interrupted.signal.aborted) process.exit(130);
  interrupted.abort();
});

runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  signal: interrupted.signal,
})
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
