import type { JobRunFilter, JobRunRepository, JobStateRepository } from '../../application';
import type { JobName, JobRun } from '../../domain';

/** JobRunRepository in memory (unit tests; single process). */
export class InMemoryJobRunRepository implements JobRunRepository {
  private readonly runs = new Map<string, JobRun>();

  insert(run: JobRun): Promise<boolean> {
    if (this.runs.has(run.id)) return Promise.resolve(false);
    this.runs.set(run.id, run);
    return Promise.resolve(true);
  }

  update(run: JobRun): Promise<void> {
    if (!this.runs.has(run.id)) return Promise.reject(new Error(`job run ${run.id} not found`));
    this.runs.set(run.id, run);
    return Promise.resolve();
  }

  list(filter: JobRunFilter): Promise<JobRun[]> {
    const key = (r: { startedAt: Date; id: string }): [number, string] => [r.startedAt.getTime(), r.id];
    const before = (a: [number, string], b: [number, string]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
    const all = [...this.runs.values()].filter(
      (r) =>
        (!filter.jobName || r.jobName === filter.jobName) &&
        (!filter.startedFrom || r.startedAt.getTime() >= filter.startedFrom.getTime()) &&
        (!filter.startedTo || r.startedAt.getTime() < filter.startedTo.getTime()) &&
        (!filter.after || before(key(r), key(filter.after))),
    );
    all.sort((a, b) => (before(key(a), key(b)) ? 1 : before(key(b), key(a)) ? -1 : 0));
    return Promise.resolve(all.slice(0, filter.limit));
  }

  async latestPerJob(): Promise<Map<JobName, JobRun>> {
    const latest = new Map<JobName, JobRun>();
    for (const run of await this.list({ limit: Number.MAX_SAFE_INTEGER })) {
      if (!latest.has(run.jobName)) latest.set(run.jobName, run);
    }
    return latest;
  }

  existingIds(ids: readonly string[]): Promise<Set<string>> {
    return Promise.resolve(new Set(ids.filter((id) => this.runs.has(id))));
  }

  firstStartedAt(): Promise<Date | null> {
    let first: Date | null = null;
    for (const r of this.runs.values()) if (!first || r.startedAt < first) first = r.startedAt;
    return Promise.resolve(first);
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
