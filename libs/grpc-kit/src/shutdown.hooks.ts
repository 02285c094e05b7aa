import type { KitLogger } from './kit-logger';

/** Options for {@link installShutdown}. */
export interface InstallShutdownOptions {
  /** Signals to handle; default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** Whole-sequence budget, ms; when it runs out the process exits with 1. Default 30000 (k8s grace). */
  timeoutMs?: number;
  /** How to end the process; default `process.exit`. Tests inject their own. */
  exit?: (code: number) => void;
}

/** Handle returned by {@link installShutdown}. */
export interface ShutdownHandle {
  /** Runs the hooks now (as if a signal arrived); resolves after `exit` was called. Runs once. */
  run(reason: string): Promise<void>;
  /** Removes the signal listeners (tests; a service never needs it). */
  dispose(): void;
}

/**
 * On SIGTERM / SIGINT, runs `hooks` once, in order, each awaited: the service passes them in
 * the order STYLE.md asks (health NOT_SERVING → drain consumers → `tryShutdown` → close the
 * DataSource → flush telemetry). A failing hook is logged and the next one still runs; the
 * process then exits 0 when all succeeded, 1 otherwise. A second signal while hooks run, or
 * the `timeoutMs` budget running out, exits 1 at once.
 */
export function installShutdown(
  hooks: ReadonlyArray<() => Promise<void>>,
  logger: KitLogger,
  options: InstallShutdownOptions = {},
): ShutdownHandle {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = options.timeoutMs ?? 30_000;
  let running: Promise<void> | undefined;

  const run = (reason: string): Promise<void> => {
    running ??= (async () => {
      logger.info({ reason, hooks: hooks.length }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error({ timeout_ms: timeoutMs }, 'shutdown timed out; exiting');
        exit(1);
      }, timeoutMs);
      timer.unref();
      let failed = false;
      for (const [index, hook] of hooks.entries()) {
        const name = hook.name || `hook #${index + 1}`;
        try {
          await hook();
        } catch (err) {
          failed = true;
          logger.error({ err, hook: name }, 'shutdown hook failed');
        }
      }
      clearTimeout(timer);
      logger.info({ failed }, 'shutdown complete');
      exit(failed ? 1 : 0);
    })();
    return running;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (running) {
      logger.warn({ signal }, 'second signal during shutdown; exiting now');
      exit(1);
      return;
    }
    void run(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return {
    run,
    dispose: () => {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
