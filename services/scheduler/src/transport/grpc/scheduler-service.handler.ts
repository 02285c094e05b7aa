import { checkActor, timestampFromProto, unary } from '@notify/grpc-kit';
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
 * `notify.scheduler.v1.SchedulerService` (proto/notify/scheduler/v1/scheduler_service.proto;
 * roles per RPC from its "Roles:" comments, enforced by grpc-kit: no key → UNAUTHENTICATED, a
 * role the RPC does not list → PERMISSION_DENIED; domain errors mapped to gRPC status by
 * grpc-kit's one table: ValidationError → INVALID_ARGUMENT, NotFoundError → NOT_FOUND, …).
 * Times are google.protobuf.Timestamp; pages follow common.proto PageRequest (`page_size` 0 =
 * 50, above 500 clamped, negative INVALID_ARGUMENT) with an opaque `next_page_token` ('' on the
 * last page). An empty job name is INVALID_ARGUMENT `name: is required`; the enums of `actor` are
 * checked (values outside them INVALID_ARGUMENT).
 * - ListJobs → the four jobs in JOB_DEFINITIONS order: name, description, cron (five fields),
 *   time_zone `Asia/Jakarta`, paused, next_run_at (the cron's next tick after the clock's now;
 *   absent when paused), last_run (latest by started_at). No errors of its own.
 * - TriggerJob(name) → the queued MANUAL run (id = the id ListJobRuns shows once it runs,
 *   scheduled_for = now, attempt 1, outcome RUNNING, no started_at); runs even when paused.
 *   NOT_FOUND: unknown name (issue 6 "Bad input"); PERMISSION_DENIED: manager outside
 *   daily_summary / weekly_performance, supervisor outside weekly_performance / sla_monitor
 *   (TRIGGER_ROLES, from the proto and the seeds' role table); FAILED_PRECONDITION: a run of the
 *   job is RUNNING and started less than 15 min ago (RUNNING_STALE_AFTER_MS), or pg-boss holds
 *   one active or a manual one queued — checked and enqueued atomically across replicas
 *   (PgBossJobEngine.enqueueManual).
 * - ListJobRuns(job_name ('' = all), started [from, to), page) → runs newest first (started_at,
 *   then id), each with trigger, scheduled_for, started_at, finished_at (absent while RUNNING),
 *   outcome, items_produced (events published + escalations made), error, attempt. NOT_FOUND:
 *   unknown name; INVALID_ARGUMENT: a negative page_size, a bad page_token, `started` from ≥ to,
 *   a `started` bound outside the Timestamp range (timestampFromProto).
 * - PauseJob / ResumeJob(name) → the job with its new paused flag (idempotent; a paused job's
 *   scheduled ticks are recorded SKIPPED). NOT_FOUND: unknown name.
 * - ScheduleCampaign → the campaign, status SCHEDULED, due at send_at (absent = now).
 *   INVALID_ARGUMENT (the message names the field): name empty or over 200 characters,
 *   request_id over 200 characters, kind UNSPECIFIED or unknown, audience empty or an audience without its kind or parameter (AREA_CUSTOMERS:
 *   work_zone; GROUP: group_id; STAFF_ROLES: roles), notification_type missing for OTHER,
 *   template_key empty or unknown to the template service (ListTemplates), send_at more than
 *   60 s in the past (proto) or outside the Timestamp range (timestampFromProto), an enum
 *   value outside its enum, the template not rendering with
 *   the campaign's variables (BatchRenderTemplates on every channel / locale the audience is
 *   reached on; `variables: missing variables: …` names every one; `customer_name` is filled
 *   per recipient for customer audiences, as the gateway does) or having no version on those
 *   channels; PERMISSION_DENIED: a notification type the role may not send (the type given or
 *   implied by the kind; @notify/proto mayRoleSend, the same table as Notify / Broadcast);
 *   ALREADY_EXISTS: request_id reused with another name, kind or template key (the same fields
 *   answer the stored campaign); UNAVAILABLE / DEADLINE_EXCEEDED: the template service cannot
 *   be asked (or SERVICE_API_KEY is unset).
 * - CancelCampaign(campaign_id, reason) → the campaign, status CANCELLED (nothing will be sent).
 *   INVALID_ARGUMENT: campaign_id empty or not a UUID, reason over 500 characters; NOT_FOUND: unknown id; FAILED_PRECONDITION:
 *   already SENT, FAILED or CANCELLED (issue 6 "Bad input").
 * - ListCampaigns(statuses (empty = all), page) → newest send_at first (then id).
 *   INVALID_ARGUMENT: an UNSPECIFIED or unknown status, a negative page_size, a bad page_token.
 */
export function createSchedulerServiceHandler(deps: {
  readonly jobs: ManageJobsUseCase;
  readonly campaigns: ManageCampaignsUseCase;
}): schedulerv1.SchedulerServiceServer {
  const { jobs, campaigns } = deps;
  return {
    listJobs: unary(async (): Promise<schedulerv1.ListJobsResponse> => ({ jobs: (await jobs.listJobs()).map(jobToProto) })),

    triggerJob: unary(async (req: schedulerv1.TriggerJobRequest, ctx): Promise<schedulerv1.TriggerJobResponse> => {
      checkActor(req.actor);
      return { run: pendingRunToProto(await jobs.triggerJob(req.name, ctx.principal.role)) };
    }),

    listJobRuns: unary(async (req: schedulerv1.ListJobRunsRequest): Promise<schedulerv1.ListJobRunsResponse> => {
      // Each bound checked here; their order by the use case (`started: from must be before to`).
      const started = { from: timestampFromProto(req.started?.from, 'started.from'), to: timestampFromProto(req.started?.to, 'started.to') };
      const page = await jobs.listJobRuns({
        jobName: req.jobName,
        pageSize: req.page?.pageSize ?? 0,
        pageToken: req.page?.pageToken ?? '',
        ...(started.from ? { startedFrom: started.from } : {}),
        ...(started.to ? { startedTo: started.to } : {}),
      });
      return { runs: page.runs.map(jobRunToProto), nextPageToken: page.nextPageToken };
    }),

    pauseJob: unary(async (req: schedulerv1.PauseJobRequest): Promise<schedulerv1.PauseJobResponse> => ({
      job: jobToProto(await jobs.pauseJob(req.name)),
    })),

    resumeJob: unary(async (req: schedulerv1.ResumeJobRequest): Promise<schedulerv1.ResumeJobResponse> => ({
      job: jobToProto(await jobs.resumeJob(req.name)),
    })),

    scheduleCampaign: unary(async (req: schedulerv1.ScheduleCampaignRequest, ctx): Promise<schedulerv1.ScheduleCampaignResponse> => {
      checkActor(req.actor); // checked for every caller, though honoured for role service only
      return { campaign: campaignToProto(await campaigns.schedule(ctx.principal.role, scheduleCampaignInputFromProto(req, ctx.principal))) };
    }),

    cancelCampaign: unary(async (req: schedulerv1.CancelCampaignRequest): Promise<schedulerv1.CancelCampaignResponse> => ({
      campaign: campaignToProto(await campaigns.cancel(req.campaignId, req.reason)),
    })),

    getCampaign: unary(async (req: schedulerv1.GetCampaignRequest): Promise<schedulerv1.GetCampaignResponse> => ({
      campaign: campaignToProto(await campaigns.get(req.campaignId)),
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
