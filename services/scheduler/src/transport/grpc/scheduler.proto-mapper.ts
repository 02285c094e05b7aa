import { ValidationError } from '@notify/errors';
import { knownEnum, timestampFromProto } from '@notify/grpc-kit';
import { commonv1, schedulerv1 } from '@notify/proto';
import type { JobView, PendingJobRun, ScheduleCampaignInput } from '../../application';
import type { CampaignActor, CampaignKind, CampaignStatus, JobRun, JobRunOutcome, JobTrigger } from '../../domain';
export { campaignToProto } from '../../infrastructure/messaging/schedule-event.mapper';

const TRIGGER: Record<JobTrigger, schedulerv1.JobTrigger> = {
  SCHEDULED: schedulerv1.JobTrigger.JOB_TRIGGER_SCHEDULE,
  MANUAL: schedulerv1.JobTrigger.JOB_TRIGGER_MANUAL,
  RETRY: schedulerv1.JobTrigger.JOB_TRIGGER_RETRY,
};

const OUTCOME: Record<JobRunOutcome, schedulerv1.JobRunOutcome> = {
  RUNNING: schedulerv1.JobRunOutcome.JOB_RUN_OUTCOME_RUNNING,
  SUCCEEDED: schedulerv1.JobRunOutcome.JOB_RUN_OUTCOME_SUCCEEDED,
  FAILED: schedulerv1.JobRunOutcome.JOB_RUN_OUTCOME_FAILED,
  SKIPPED: schedulerv1.JobRunOutcome.JOB_RUN_OUTCOME_SKIPPED,
};

/** Domain JobRun → proto JobRun (triggered_by not recorded yet: absent). */
export function jobRunToProto(run: JobRun): schedulerv1.JobRun {
  return {
    id: run.id,
    jobName: run.jobName,
    trigger: TRIGGER[run.trigger],
    scheduledFor: run.scheduledFor,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? undefined,
    outcome: OUTCOME[run.outcome],
    itemsProduced: run.itemsProduced,
    error: run.error,
    attempt: run.attempt,
    triggeredBy: undefined,
  };
}

/**
 * A run TriggerJob enqueued: outcome RUNNING (it counts as running from now on — a second
 * TriggerJob is FAILED_PRECONDITION — though a worker starts it within its polling interval), no
 * started_at until then.
 */
export function pendingRunToProto(run: PendingJobRun): schedulerv1.JobRun {
  return {
    id: run.id,
    jobName: run.jobName,
    trigger: TRIGGER[run.trigger],
    scheduledFor: run.scheduledFor,
    startedAt: undefined,
    finishedAt: undefined,
    outcome: schedulerv1.JobRunOutcome.JOB_RUN_OUTCOME_RUNNING,
    itemsProduced: 0,
    error: '',
    attempt: run.attempt,
    triggeredBy: undefined,
  };
}

/** JobView → proto Job (next_run_at absent when paused). */
export function jobToProto(view: JobView): schedulerv1.Job {
  return {
    name: view.definition.name,
    description: view.definition.description,
    cron: view.definition.cron,
    timeZone: view.definition.timeZone,
    paused: view.paused,
    nextRunAt: view.nextRunAt ?? undefined,
    lastRun: view.lastRun ? jobRunToProto(view.lastRun) : undefined,
  };
}

const KIND: Readonly<Record<number, CampaignKind>> = {
  [schedulerv1.CampaignKind.CAMPAIGN_KIND_MAINTENANCE]: 'MAINTENANCE',
  [schedulerv1.CampaignKind.CAMPAIGN_KIND_PROMOTION]: 'PROMOTION',
  [schedulerv1.CampaignKind.CAMPAIGN_KIND_EMERGENCY_ALERT]: 'EMERGENCY_ALERT',
  [schedulerv1.CampaignKind.CAMPAIGN_KIND_OTHER]: 'OTHER',
};

const STATUS: Readonly<Record<number, CampaignStatus>> = {
  [schedulerv1.CampaignStatus.CAMPAIGN_STATUS_SCHEDULED]: 'SCHEDULED',
  [schedulerv1.CampaignStatus.CAMPAIGN_STATUS_SENT]: 'SENT',
  [schedulerv1.CampaignStatus.CAMPAIGN_STATUS_CANCELLED]: 'CANCELLED',
  [schedulerv1.CampaignStatus.CAMPAIGN_STATUS_FAILED]: 'FAILED',
};

/** An enum value's proto name; ValidationError naming `field` for a number outside the enum (grpc-kit knownEnum). */
function enumName(field: string, values: Record<string, string | number>, toJSON: (v: never) => string, value: number): string {
  return toJSON(knownEnum(value, values, field) as never);
}

/** Throws ValidationError(field, message): for a refusal inside an expression. */
function refuse(field: string, message: string): never {
  throw new ValidationError(field, message);
}

/** Proto CampaignStatus list → domain statuses; ValidationError for UNSPECIFIED or unknown values. */
export function campaignStatusesFromProto(statuses: readonly schedulerv1.CampaignStatus[]): CampaignStatus[] {
  return statuses.map((s) => {
    const status = STATUS[s];
    if (!status) throw new ValidationError('statuses', `unknown campaign status ${s}`);
    return status;
  });
}

/**
 * ScheduleCampaignRequest → use-case input. `createdBy`: the request's actor when the caller
 * has role service (proto: "honoured for role service"), else the caller itself: STAFF with its
 * staff id, or its role as id for a key bound to no staff member; SYSTEM for a service's key.
 * ValidationError for enum values outside their enums.
 */
export function scheduleCampaignInputFromProto(
  req: schedulerv1.ScheduleCampaignRequest,
  principal: { readonly role: string; readonly staffId?: string | undefined },
): ScheduleCampaignInput {
  const actor: CampaignActor =
    principal.role === 'service' && req.actor
      ? {
          kind: enumName('actor.kind', commonv1.ActorKind, commonv1.actorKindToJSON, req.actor.kind),
          id: req.actor.id,
          name: req.actor.name,
          role: enumName('actor.role', commonv1.Role, commonv1.roleToJSON, req.actor.role),
        }
      : {
          // A person's key bound to no staff member is recorded as the ticket service and the
          // gateway record it: STAFF, its role as id (QA: campaigns read "system (admin)", tickets
          // "staff:admin"); only another service's own key is SYSTEM.
          kind: principal.staffId || principal.role !== 'service' ? 'ACTOR_KIND_STAFF' : 'ACTOR_KIND_SYSTEM',
          id: principal.staffId ?? (principal.role !== 'service' ? principal.role : ''),
          name: '',
          role: commonv1.roleToJSON(commonv1.roleFromJSON(`ROLE_${principal.role.toUpperCase()}`)),
        };
  if (req.kind !== schedulerv1.CampaignKind.CAMPAIGN_KIND_UNSPECIFIED && !KIND[req.kind]) enumName('kind', schedulerv1.CampaignKind, schedulerv1.campaignKindToJSON, req.kind);
  return {
    name: req.name,
    kind: KIND[req.kind] ?? null,
    notificationType:
      req.notificationType === commonv1.NotificationType.NOTIFICATION_TYPE_UNSPECIFIED
        ? null
        : req.notificationType === commonv1.NotificationType.NOTIFICATION_TYPE_REPLY
        ? refuse('notification_type', "REPLY is the gateway's own answers to inbound messages, not a campaign's type")
        : enumName('notification_type', commonv1.NotificationType, commonv1.notificationTypeToJSON, req.notificationType),
    templateKey: req.templateKey,
    audience: req.audience.map((a) => ({
      kind: enumName('audience.kind', commonv1.AudienceKind, commonv1.audienceKindToJSON, a.kind),
      workZone: a.workZone,
      groupId: a.groupId,
      roles: a.roles.map((r) => enumName('audience.roles', commonv1.Role, commonv1.roleToJSON, r)),
      customerId: a.customerId,
      staffId: a.staffId,
    })),
    variables: req.variables ?? {},
    sendAt: timestampFromProto(req.sendAt, 'send_at') ?? null,
    priority: req.priority === commonv1.Priority.PRIORITY_UNSPECIFIED ? null : enumName('priority', commonv1.Priority, commonv1.priorityToJSON, req.priority),
    channels: req.channels.map((c) => enumName('channels', commonv1.Channel, commonv1.channelToJSON, c)),
    requestId: req.requestId,
    createdBy: actor,
  };
}
