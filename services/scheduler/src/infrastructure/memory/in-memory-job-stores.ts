import type { JobRunRepository, JobStateRepository } from '../../application';
import type { JobName, JobRun } from '../../domain';

/** JobRunRepository in memory (unit tests; single process). */
export class InMemoryJobRunRepository implements JobRunRepository {
  private readonly runs = new Map<string, JobRun>();

  insert(run: JobRun): Promise<void> {
    if (this.runs.has(run.id)) return Promise.reject(new Error(`job run ${run.id} exists`));
    this.runs.set(run.id, run);
    return Promise.resolve();
  }

  update(run: JobRun): Promise<void> {
    if (!this.runs.has(run.id)) return Promise.reject(new Error(`job run ${run.id} not found`));
    this.runs.set(run.id, run);
    return Promise.resolve();
  }

  list(filter: { readonly jobName?: JobName; readonly limit: number }): Promise<JobRun[]> {
    const all = [...this.runs.values()].filter((r) => !filter.jobName || r.jobName === filter.jobName);
    all.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
    return Promise.resolve(all.slice(0, filter.limit));
  }

  async latestPerJob(): Promise<Map<JobName, JobRun>> {
    const latest = new Map<JobName, JobRun>();
    for (const run of await this.list({ limit: Number.MAX_SAFE_INTEGER })) {
      if (!latest.has(run.jobName)) latest.set(run.jobName, run);
    }
    return latest;
  }
}

/** JobStateRepository in memory (unit tests; single process). */
export class InMemoryJobStateRepository implements JobStateRepository {
  private readonly paused = new Set<JobName>();

  isPaused(jobName: JobName): Promise<boolean> {
    return Promise.resolve(this.paused.has(jobName));
  }

  setPaused(jobName: JobName, paused: boolean): Promise<void> {
    if (paused) this.paused.add(jobName);
    else this.paused.delete(jobName);
    return Promise.resolve();
  }

  pausedJobs(): Promise<Set<JobName>> {
    return Promise.resolve(new Set(this.paused));
  }
}
