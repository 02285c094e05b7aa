// The notifyctl process: `node -r ./tools/runtime/swc-register.js tools/notifyctl/src/main.ts …`,
// or through the launcher `bin/notifyctl.js` (`npx notifyctl …`, `npm run notifyctl -- …`).
import { runCli } from './cli';

runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
})
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
