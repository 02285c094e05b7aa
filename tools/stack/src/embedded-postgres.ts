import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { StackStartRefusal } from './refusal';
import { SessionRouter } from './session-router';

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Folder of the PGlite data files (created if missing), e.g. `.notify-data/pglite`. */
  readonly dataDir: string;
  /** Interface to listen on (default 127.0.0.1: the embedded database is never exposed). */
  readonly host?: string;
  /** TCP port (default 0: a free port chosen by the OS). */
  readonly port?: number;
  /**
   * Client connections the socket server accepts at once (default 200: five services' pools,
   * the LISTEN connections, pg-boss). PGlite itself is ONE Postgres session, lent to one
   * connection at a time by the {@link SessionRouter}.
   */
  readonly maxConnections?: number;
}

/** A running embedded Postgres (PGlite behind the Postgres wire protocol). */
export interface EmbeddedPostgres {
  /** `postgres://postgres@<host>:<port>/postgres` for pg / TypeORM / pg-boss. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Stops accepting connections, closes the open ones, then closes PGlite (flushes the data folder). */
  close(): Promise<void>;
}

/**
 * Starts PGlite (Postgres 17 compiled to WebAssembly, data in `dataDir`) and serves it over the
 * Postgres wire protocol with `@electric-sql/pglite-socket`, so the services' unchanged
 * pg/TypeORM/pg-boss code can connect to `url`.
 *
 * Limits of the embedded database (measured, see tools/stack/README.md):
 * - one session shared by every connection: session state (SET, advisory locks, LISTEN) is
 *   shared. The {@link SessionRouter} in front of the socket server lets one connection at a
 *   time use the session, for a whole extended query or a whole transaction (pglite-socket alone
 *   interleaves messages of different connections), and routes each NOTIFY to the connections
 *   that LISTENed on its channel (PGlite hands it to the committing one), so the outbox relays
 *   and the gateway's dispatcher still wake up at once;
 * - queries run one at a time (throughput of one connection).
 * Throws when the data folder cannot be created, is in use by another living process (the lock
 * file `<dataDir>.lock` holds its pid; two PGlite instances on one folder would corrupt it),
 * PGlite cannot open it (e.g. files of another PGlite version) or the port is taken.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir);
  } catch (err) {
    releaseLock();
    throw err;
  }
  const host = options.host ?? '127.0.0.1';
  // pglite-socket on an internal port; clients connect through the SessionRouter (session lock
  // per extended query / transaction, NOTIFY routed to the listeners).
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections ?? 200 });
  let router: SessionRouter | undefined;
  let port: number;
  try {
    await server.start();
    router = new SessionRouter({ host: '127.0.0.1', port: Number(server.getServerConn().split(':').pop()) });
    port = await router.listen(host, options.port ?? 0);
  } catch (err) {
    await router?.close();
    await server.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    releaseLock();
    throw err;
  }
  const routing = router;
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    await routing.close();
    await server.stop().catch(() => undefined);
    if (!db.closed) await db.close();
    releaseLock();
  };
  return { url: `postgres://postgres@${host}:${port}/postgres`, port, dataDir, close: () => (closing ??= close()) };
}

/**
 * The pid of the living process (other than this one) that holds `<dataDir>.lock`, if any. A
 * stale lock (its process gone) counts as free.
 */
export function dataDirHolder(dataDir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(`${path.resolve(dataDir)}.lock`, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) ? pid : undefined;
}

/**
 * Throws a {@link StackStartRefusal} naming the pid when another living process holds the data
 * folder: `npm start` checks this before anything else, so a second `npm start` on the same
 * folder hears which process has it (rather than which ports are busy).
 */
export function assertDataDirFree(dataDir: string): void {
  const pid = dataDirHolder(dataDir);
  if (pid !== undefined) throw inUse(path.resolve(dataDir), pid);
}

function inUse(dataDir: string, pid: number): StackStartRefusal {
  return new StackStartRefusal(
    `the embedded Postgres data folder ${dataDir} is in use by process ${pid} (another npm start?); stop it (kill ${pid}) or set NOTIFY_DATA_DIR (or PGLITE_DATA_DIR) to another folder`,
  );
}

/** Takes `<dataDir>.lock` (pid inside; a stale one of a dead process is replaced); returns its release. */
function lockDataDir(dataDir: string): () => void {
  const file = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = dataDirHolder(dataDir);
      if (pid !== undefined) throw inUse(dataDir, pid);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

/** Whether process `pid` is alive (EPERM: another user's, alive). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
