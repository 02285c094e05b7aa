import type { JobName } from '../../domain';

/** The job engine as the use cases see it (pg-boss adapter in infrastructure). */
export interface JobQueue {
  /**
   * Enqueues a manual run of `jobName` to run now (any replica's worker picks it up once).
   * Resolves with the id (UUID) the run's first attempt will be recorded under.
   */
  enqueueManual(jobName: JobName, at: Date): Promise<string>;
}
