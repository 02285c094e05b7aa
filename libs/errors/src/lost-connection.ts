/** Codes of a connection that could not be made (Node's socket errors; Postgres SQLSTATE 08001, 08004, 57P03, 53300): nothing was done. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '08001', '08004', '57P03', '53300']);
/** Codes of a connection lost while in use (SQLSTATE class 08, 57P01/57P02): a write in flight may or may not have been applied. */
const LOST_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', '08000', '08003', '08006', '57P01', '57P02']);
/** Messages without a code (node-postgres, its pool, TypeORM). */
const CONNECT_MESSAGES = /timeout exceeded when trying to connect|connection is not established|the database system is (starting up|shutting down)/i;
const LOST_MESSAGES = /connection terminated|terminating connection|Client has encountered a connection error/i;

/** Why a dependency is unavailable ({@link lostConnectionOf}): `connect` = no connection was made; `lost` = one broke while in use. */
export interface LostConnection {
  readonly phase: 'connect' | 'lost';
  /** The code or message, e.g. `ECONNREFUSED`, `57P01`. */
  readonly reason: string;
}

/**
 * Whether `err` is a refused or lost connection to a dependency (Postgres, NATS…), looking at
 * the error, its `driverError` (TypeORM's QueryFailedError) and its `cause`, a few levels deep;
 * undefined when it is not one.
 */
export function lostConnectionOf(err: unknown, depth = 0): LostConnection | undefined {
  if (typeof err !== 'object' || err === null || depth > 3) return undefined;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && CONNECT_CODES.has(e.code)) return { phase: 'connect', reason: e.code };
  if (typeof e.code === 'string' && LOST_CODES.has(e.code)) return { phase: 'lost', reason: e.code };
  if (typeof e.message === 'string' && CONNECT_MESSAGES.test(e.message)) return { phase: 'connect', reason: e.message.slice(0, 120) };
  if (typeof e.message === 'string' && LOST_MESSAGES.test(e.message)) return { phase: 'lost', reason: e.message.slice(0, 120) };
  return lostConnectionOf(e.driverError, depth + 1) ?? lostConnectionOf(e.cause, depth + 1);
}
