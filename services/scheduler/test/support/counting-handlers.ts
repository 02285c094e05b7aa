import type { JobContext, JobHandlers } from '../../src/application';
import { JOB_NAMES, type JobName } from '../../src/domain';

/**
 * Job handlers for engine tests: each records the job name in `calls`, runs `before` (which may
 * throw to fail the run) and produces 0 items. The real jobs are tested in the jobs specs.
 */
export function countingHandlers(calls: JobName[], before: (ctx: JobContext) => void = () => undefined): JobHandlers {
  return Object.fromEntries(
    JOB_NAMES.map((name) => [
      name,
      {
        run: (ctx: JobContext) => {
          calls.push(ctx.jobName);
          try {
            before(ctx);
          } catch (error) {
            return Promise.reject(error instanceof Error ? error : new Error(String(error)));
          }
          return Promise.resolve({ itemsProduced: 0 });
        },
      },
    ]),
  ) as unknown as JobHandlers;
}
