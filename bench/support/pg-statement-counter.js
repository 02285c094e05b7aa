// Preload (`node -r bench/support/pg-statement-counter.js …`) for the lifecycle benchmark's service
// processes: counts the statements the process sends to Postgres (every pg Client#query call,
// TypeORM's and the outbox relay's alike; one call = one round trip, a multi-statement message
// counted once) and, on SIGUSR2, writes `{"seq": <n-th signal>, "statements": <count so far>}` to
// `$PG_STATEMENT_COUNT_DIR/<pid>.json`. Measuring only: nothing of the service's behaviour changes.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const dir = process.env.PG_STATEMENT_COUNT_DIR;
if (dir) {
  let statements = 0;
  let seq = 0;
  let patched = false;
  const load = Module._load;
  Module._load = function (request, ...rest) {
    const exported = load.call(this, request, ...rest);
    if (!patched && request === 'pg' && exported && exported.Client) {
      patched = true;
      const query = exported.Client.prototype.query;
      exported.Client.prototype.query = function (...args) {
        statements++;
        return query.apply(this, args);
      };
    }
    return exported;
  };
  process.on('SIGUSR2', () => {
    seq++;
    const file = path.join(dir, `${process.pid}.json`);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ seq, statements }));
    fs.renameSync(`${file}.tmp`, file);
  });
}
