import type { KitLogger } from './kit-logger';

/** Options for {@link installShutdown}. */
export interface InstallShutdownOptions {
  /** Signals to handle; default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** Whole-sequence budget, ms; when it runs out the process exits with 1. Default 30000 (k8s grace). */
  timeoutMs?: number;
  /** How to end the process; default `process.exit`. Tests inject their own. */
  exit?: (code: number) => void;
  /**
   * Shut down when the IPC channel to the parent closes (only when there is one); default: when
   * the environment sets {@link EXIT_WITH_PARENT_VAR}=1 (start:services sets it for its services;
   * a test runner's worker, which has a channel of its own, does not).
   */
  watchParent?: boolean;
}

/** The variable a parent sets (to `1`) when it starts a service with an IPC channel the service should exit with. */
export const EXIT_WITH_PARENT_VAR = 'NOTIFY_EXIT_WITH_PARENT';

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
 * the `timeoutMs` budget running out, exits 1 at once. A process started with an IPC channel and
 * NOTIFY_EXIT_WITH_PARENT=1 (start:services) also shuts down when that channel closes: its
 * parent is gone.
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
  // Started by a parent with an IPC channel and NOTIFY_EXIT_WITH_PARENT=1 (`npm run start:services`
  // runs each service so): when the parent is gone, even killed by SIGKILL, the channel closes
  // and the service shuts down like on SIGTERM instead of running on orphaned. The channel itself
  // keeps nothing alive.
  const onParentGone = (): void => {
    if (running) return;
    // Said once, so a service that stops right after it started (NOTIFY_EXIT_WITH_PARENT=1 set
    // where no parent gave it a channel, e.g. copied into a container's environment) says why.
    logger.warn({ variable: EXIT_WITH_PARENT_VAR }, 'the parent process that started this service is gone (or never gave it a channel): shutting down');
    void run('parent process exited');
  };
  const watchParent = options.watchParent ?? process.env[EXIT_WITH_PARENT_VAR] === '1';
  if (watchParent) {
    if (process.channel && process.connected) {
      process.channel.unref();
      process.once('disconnect', onParentGone);
    } else {
      // The parent died while this service was still starting: its channel is closed already.
      setImmediate(onParentGone);
    }
  }
  return {
    run,
    dispose: () => {
      for (const signal of signals) process.off(signal, onSignal);
      process.off('disconnect', onParentGone);
    },
  };
}
