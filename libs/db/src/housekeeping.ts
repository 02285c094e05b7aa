/** One clean-up: deletes what has outlived its use and returns how many rows it deleted. */
export interface HousekeepingTask {
  /** For the logs (`processed_events`, `inbound_messages`…). */
  readonly name: string;
  run(): Promise<number>;
}

type LogFn = (obj: object, msg?: string) => void;

/** Options of {@link startHousekeeping}. */
export interface HousekeepingOptions {
  readonly tasks: readonly HousekeepingTask[];
  /** Time between two passes, ms (> 0). */
  readonly intervalMs: number;
  /** Time before the first pass, ms (default min(60 000, intervalMs)): a starting service has better things to do. */
  readonly initialDelayMs?: number;
  readonly logger: { info: LogFn; warn: LogFn };
}

/** A running housekeeper. */
export interface Housekeeping {
  /** Runs every task once now (after a pass in progress), in order; resolves with rows deleted per task. A failing task is logged and counts -1. */
  runOnce(): Promise<Record<string, number>>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs clean-up tasks every `intervalMs` (an unref'd timer: it never keeps the process alive),
 * one pass at a time, tasks in order; each task's error is logged and does not stop the others.
 * Several replicas may run the same DELETEs: they are idempotent, so nothing coordinates them.
 */
export function startHousekeeping(options: HousekeepingOptions): Housekeeping {
  if (!(options.intervalMs > 0)) throw new TypeError('housekeeping intervalMs must be > 0');
  let running: Promise<Record<string, number>> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const pass = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const task of options.tasks) {
      try {
        out[task.name] = await task.run();
      } catch (err) {
        out[task.name] = -1;
        options.logger.warn({ err, task: task.name }, 'housekeeping: a clean-up failed; it runs again at the next pass');
      }
    }
    const deleted = Object.fromEntries(Object.entries(out).filter(([, n]) => n > 0));
    if (Object.keys(deleted).length > 0) options.logger.info({ deleted }, 'housekeeping: old rows deleted');
    return out;
  };
  const runOnce = async (): Promise<Record<string, number>> => {
    while (running) await running.catch(() => undefined);
    running = pass();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce().finally(() => schedule(options.intervalMs));
    }, ms);
    timer.unref();
  };
  schedule(options.initialDelayMs ?? Math.min(60_000, options.intervalMs));
  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running.catch(() => undefined);
    },
  };
}
