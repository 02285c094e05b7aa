import { unary } from '@notify/grpc-kit';
import type { schedulerv1 } from '@notify/proto';
import type { ManageJobsUseCase } from '../../application';
import { jobRunToProto, jobToProto, pendingRunToProto } from './scheduler.proto-mapper';

/**
 * The job RPCs of `notify.scheduler.v1.SchedulerService` (roles per RPC from the proto's
 * "Roles:" comments, enforced by grpc-kit). Campaign RPCs (ScheduleCampaign, CancelCampaign,
 * ListCampaigns) are not implemented yet and answer UNIMPLEMENTED.
 * - ListJobs → the four jobs (name, cron, time zone Asia/Jakarta, paused, last run).
 * - TriggerJob(name) → enqueues a MANUAL run now, answers the pending run (its id is the one
 *   ListJobRuns shows once it starts); unknown name → NOT_FOUND; a manager or supervisor
 *   triggering a job outside TRIGGER_ROLES → PERMISSION_DENIED.
 * - ListJobRuns(job_name?, page.page_size 1..500, 0 = 50) → newest first; unknown name →
 *   NOT_FOUND; page size out of range → INVALID_ARGUMENT. `started` range and page tokens are
 *   not supported yet (next_page_token is always empty).
 * - PauseJob / ResumeJob(name) → the job with its new paused flag; unknown name → NOT_FOUND.
 */
export function createSchedulerServiceHandler(deps: { readonly jobs: ManageJobsUseCase }): Partial<schedulerv1.SchedulerServiceServer> {
  const { jobs } = deps;
  return {
    listJobs: unary(async (): Promise<schedulerv1.ListJobsResponse> => ({ jobs: (await jobs.listJobs()).map(jobToProto) })),

    triggerJob: unary(async (req: schedulerv1.TriggerJobRequest, ctx): Promise<schedulerv1.TriggerJobResponse> => ({
      run: pendingRunToProto(await jobs.triggerJob(req.name, ctx.principal.role)),
    })),

    listJobRuns: unary(async (req: schedulerv1.ListJobRunsRequest): Promise<schedulerv1.ListJobRunsResponse> => ({
      runs: (await jobs.listJobRuns(req.jobName, req.page?.pageSize ?? 0)).map(jobRunToProto),
      nextPageToken: '',
    })),

    pauseJob: unary(async (req: schedulerv1.PauseJobRequest): Promise<schedulerv1.PauseJobResponse> => ({
      job: jobToProto(await jobs.pauseJob(req.name)),
    })),

    resumeJob: unary(async (req: schedulerv1.ResumeJobRequest): Promise<schedulerv1.ResumeJobResponse> => ({
      job: jobToProto(await jobs.resumeJob(req.name)),
    })),
  };
}
