import { unary } from '@notify/grpc-kit';
import type { schedulerv1 } from '@notify/proto';
import type { ManageCampaignsUseCase, ManageJobsUseCase } from '../../application';
import {
  campaignStatusesFromProto,
  campaignToProto,
  jobRunToProto,
  jobToProto,
  pendingRunToProto,
  scheduleCampaignInputFromProto,
} from './scheduler.proto-mapper';

/**
 * `notify.scheduler.v1.SchedulerService` (roles per RPC from the proto's "Roles:" comments,
 * enforced by grpc-kit; domain errors mapped to gRPC status by grpc-kit's table).
 * - ListJobs → the four jobs (name, cron, time zone Asia/Jakarta, paused, next_run_at from the
 *   cron in Asia/Jakarta — absent when paused —, last run).
 * - TriggerJob(name) → enqueues a MANUAL run now, answers the pending run (its id is the one
 *   ListJobRuns shows once it starts); unknown name → NOT_FOUND; a manager or supervisor
 *   triggering a job outside TRIGGER_ROLES → PERMISSION_DENIED; a run of the job RUNNING (started
 *   less than 15 min ago) → FAILED_PRECONDITION.
 * - ListJobRuns(job_name?, started?, page) → newest first, page_size 1..500 (0 = 50) with
 *   next_page_token; unknown name → NOT_FOUND; bad page size / token, started.from ≥ to →
 *   INVALID_ARGUMENT.
 * - PauseJob / ResumeJob(name) → the job with its new paused flag; unknown name → NOT_FOUND.
 * - ScheduleCampaign → the campaign (SCHEDULED); INVALID_ARGUMENT for send_at more than 60 s in
 *   the past, an unknown template key, an empty audience, a missing name or kind;
 *   PERMISSION_DENIED for a kind the role may not schedule; ALREADY_EXISTS for a reused
 *   request_id with other fields; UNAVAILABLE when the template service cannot be asked.
 * - CancelCampaign(campaign_id, reason) → the campaign (CANCELLED); NOT_FOUND; FAILED_PRECONDITION
 *   when already SENT or CANCELLED.
 * - ListCampaigns(statuses, page) → newest send_at first, with next_page_token.
 */
export function createSchedulerServiceHandler(deps: {
  readonly jobs: ManageJobsUseCase;
  readonly campaigns: ManageCampaignsUseCase;
}): schedulerv1.SchedulerServiceServer {
  const { jobs, campaigns } = deps;
  return {
    listJobs: unary(async (): Promise<schedulerv1.ListJobsResponse> => ({ jobs: (await jobs.listJobs()).map(jobToProto) })),

    triggerJob: unary(async (req: schedulerv1.TriggerJobRequest, ctx): Promise<schedulerv1.TriggerJobResponse> => ({
      run: pendingRunToProto(await jobs.triggerJob(req.name, ctx.principal.role)),
    })),

    listJobRuns: unary(async (req: schedulerv1.ListJobRunsRequest): Promise<schedulerv1.ListJobRunsResponse> => {
      const page = await jobs.listJobRuns({
        jobName: req.jobName,
        pageSize: req.page?.pageSize ?? 0,
        pageToken: req.page?.pageToken ?? '',
        ...(req.started?.from ? { startedFrom: req.started.from } : {}),
        ...(req.started?.to ? { startedTo: req.started.to } : {}),
      });
      return { runs: page.runs.map(jobRunToProto), nextPageToken: page.nextPageToken };
    }),

    pauseJob: unary(async (req: schedulerv1.PauseJobRequest): Promise<schedulerv1.PauseJobResponse> => ({
      job: jobToProto(await jobs.pauseJob(req.name)),
    })),

    resumeJob: unary(async (req: schedulerv1.ResumeJobRequest): Promise<schedulerv1.ResumeJobResponse> => ({
      job: jobToProto(await jobs.resumeJob(req.name)),
    })),

    scheduleCampaign: unary(async (req: schedulerv1.ScheduleCampaignRequest, ctx): Promise<schedulerv1.ScheduleCampaignResponse> => ({
      campaign: campaignToProto(await campaigns.schedule(ctx.principal.role, scheduleCampaignInputFromProto(req, ctx.principal))),
    })),

    cancelCampaign: unary(async (req: schedulerv1.CancelCampaignRequest): Promise<schedulerv1.CancelCampaignResponse> => ({
      campaign: campaignToProto(await campaigns.cancel(req.campaignId, req.reason)),
    })),

    listCampaigns: unary(async (req: schedulerv1.ListCampaignsRequest): Promise<schedulerv1.ListCampaignsResponse> => {
      const page = await campaigns.list({
        statuses: campaignStatusesFromProto(req.statuses),
        pageSize: req.page?.pageSize ?? 0,
        pageToken: req.page?.pageToken ?? '',
      });
      return { campaigns: page.campaigns.map(campaignToProto), nextPageToken: page.nextPageToken };
    }),
  };
}
