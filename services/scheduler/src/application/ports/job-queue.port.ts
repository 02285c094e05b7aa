import type { JobName } from '../../domain';

/** What {@link JobQueue.enqueueManual} did: the run enqueued (its id), or why none was. */
export type ManualEnqueue =
  /** Enqueued: the id (UUID) the run's first attempt will be recorded under. */
  | { readonly id: string }
  /** Not enqueued: a run of the job is queued or running; says which. */
  | { readonly busy: string };

/** The job engine as the use cases see it (pg-boss adapter in infrastructure). */
export interface JobQueue {
  /**
   * Enqueues a manual run of `jobName` to run now (any replica's worker picks it up once),
   * unless the job is busy: a run of it is running, or a manual run of it is queued (or waiting
   * for its retry). Check and enqueue are atomic across replicas: of two concurrent calls for
   * one job, exactly one enqueues.
   */
  enqueueManual(jobName: JobName, at: Date): Promise<ManualEnqueue>;
}
