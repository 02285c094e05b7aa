import { callUnary } from '@notify/grpc-kit';
import { NotFoundError } from '@notify/errors';
import { commonv1, customerv1, gatewayv1, schedulerv1 } from '@notify/proto';
import { enumLabel, parseEnum, parseFutureTime, parseTime, parseVariables } from '../args';
import { parseAudience } from '../audience';
import type { Clients } from '../clients';
import type { CommandGroup, CommandSpec } from '../command';
import { AnnotatedCallError } from '../errors';
import { leftOutList } from './notifications';
import { unusedVariablesNote } from './templates';
import { leftOutSummary } from './tickets';
import {
  PAGE_OPTIONS,
  actorLabel,
  channelLabel,
  formatTime,
  nextPageHint,
  notificationTypeLabel,
  notificationTypeOf,
  pageRequest,
  parseChannel,
  priorityLabel,
  priorityOf,
} from '../format';
import { formatRecord, formatTable } from '../table';

const outcomeLabel = (o: schedulerv1.JobRunOutcome): string => enumLabel(schedulerv1.JobRunOutcome, 'JOB_RUN_OUTCOME_', o);

/** Whether a run is queued: RUNNING (the proto's outcome for a run not finished) and not started yet (TriggerJob's answer). */
const isQueued = (r: Pick<schedulerv1.JobRun, 'outcome' | 'startedAt'>): boolean =>
  r.outcome === schedulerv1.JobRunOutcome.JOB_RUN_OUTCOME_RUNNING && !r.startedAt;

/**
 * A run's outcome for tables: `QUEUED` for a run that has not started yet (the proto has no such
 * outcome: RUNNING without started_at; QA: `jobs trigger` printed RUNNING beside "queued"), else
 * the outcome's short name (`RUNNING`, `SUCCEEDED`, …).
 */
export function runOutcomeLabel(r: Pick<schedulerv1.JobRun, 'outcome' | 'startedAt'>): string {
  return isQueued(r) ? 'QUEUED' : outcomeLabel(r.outcome);
}
const triggerLabel = (t: schedulerv1.JobTrigger): string => enumLabel(schedulerv1.JobTrigger, 'JOB_TRIGGER_', t);

/** The job-run table of `jobs runs` and `jobs trigger` (a run not started yet: OUTCOME `QUEUED`, STARTED empty). */
export function runTable(runs: readonly schedulerv1.JobRun[]): string {
  return formatTable(
    [
      { header: 'ID' },
      { header: 'JOB' },
      { header: 'TRIGGER' },
      { header: 'OUTCOME' },
      { header: 'ATTEMPT', align: 'right' },
      { header: 'ITEMS', align: 'right' },
      { header: 'STARTED' },
      { header: 'FINISHED' },
      { header: 'ERROR', maxWidth: 40 },
    ],
    runs.map((r) => [
      r.id,
      r.jobName,
      triggerLabel(r.trigger),
      runOutcomeLabel(r),
      String(r.attempt),
      String(r.itemsProduced),
      formatTime(r.startedAt),
      formatTime(r.finishedAt),
      r.error,
    ]),
  );
}

/** The job table of `jobs list`, `jobs pause` and `jobs resume`. */
function jobTable(jobs: readonly schedulerv1.Job[]): string {
  return formatTable(
    [{ header: 'JOB' }, { header: 'CRON' }, { header: 'ZONE' }, { header: 'PAUSED' }, { header: 'NEXT RUN' }, { header: 'LAST OUTCOME' }, { header: 'LAST RUN' }],
    jobs.map((j) => [
      j.name,
      j.cron,
      j.timeZone,
      j.paused ? 'yes' : 'no',
      formatTime(j.nextRunAt),
      j.lastRun ? runOutcomeLabel(j.lastRun) : '',
      formatTime(j.lastRun?.startedAt),
    ]),
  );
}

const listJobs: CommandSpec = {
  name: 'list',
  summary: 'list scheduled jobs with their cron, next run and last outcome',
  service: 'scheduler',
  async run({ clients }) {
    const res = await callUnary(clients.scheduler, 'listJobs', {});
    return { json: schedulerv1.ListJobsResponse.toJSON(res), text: jobTable(res.jobs) };
  },
};

/** An unknown job's NOT_FOUND with the names there are (QA: "job nope not found" alone). */
async function withJobNames(err: unknown, clients: Clients): Promise<never> {
  if (!(err instanceof NotFoundError)) throw err;
  const names = await callUnary(clients.scheduler, 'listJobs', {}).then((r) => r.jobs.map((j) => j.name), () => []);
  throw names.length ? new AnnotatedCallError(err, `jobs: ${names.join(', ')}`) : err;
}

const trigger: CommandSpec = {
  name: 'trigger',
  summary: 'run a job now (manual trigger)',
  service: 'scheduler',
  positionals: [{ name: 'job', description: 'job name, e.g. daily_summary, sla_monitor' }],
  async run({ args, clients }) {
    const name = args.positional(0);
    const res = await callUnary(clients.scheduler, 'triggerJob', { name, actor: undefined }).catch((err: unknown) => withJobNames(err, clients));
    return { json: schedulerv1.TriggerJobResponse.toJSON(res), text: runTable(res.run ? [res.run] : []), ...(res.run ? { note: triggerNote(name, res.run) } : {}) };
  },
};

/** The report jobs, whose every run (scheduled or triggered) sends its report: what they send (QA: three triggers, three reports to every technician). */
const REPORT_JOBS: Readonly<Record<string, string>> = {
  daily_summary: 'the daily report to the managers and supervisors',
  weekly_performance: 'every technician their weekly report',
};

/**
 * The stderr line after `jobs trigger`: the run is queued and runs in the background (QA: a run
 * shown RUNNING with no start time read as stuck), and how to see how it ends; for a report job,
 * that the report goes out again.
 */
export function triggerNote(job: string, run: schedulerv1.JobRun): string {
  const queued = isQueued(run);
  const again = REPORT_JOBS[job];
  return `${queued ? 'queued: it runs in the background in a moment' : `run ${run.id}`}; notifyctl jobs runs --job ${job} shows how it ends` +
    (again ? `\nnote: each run of ${job} sends ${again} again, also after the scheduled one (the SLA monitor and payment reminders remind once)` : '');
}

/** The stderr note of a `jobs pause` of a paused job, or a `jobs resume` of a running one: nothing changed. */
export function scheduleNote(command: 'pause' | 'resume', job: string): string {
  return command === 'pause'
    ? `note: ${job} was already paused: nothing changed (notifyctl jobs resume ${job} restarts it)`
    : `note: ${job} was not paused: nothing changed`;
}

/** `jobs pause` / `jobs resume`: PauseJob / ResumeJob, answered with the job's row (an unknown job lists the jobs there are). */
function scheduleCommand(name: 'pause' | 'resume', summary: string): CommandSpec {
  return {
    name,
    summary,
    service: 'scheduler',
    positionals: [{ name: 'job', description: 'job name, e.g. daily_summary' }],
    async run({ args, clients }) {
      const req = { name: args.positional(0) };
      // Whether it was paused before: PauseJob / ResumeJob are idempotent and do not say (QA: a
      // second pause looked like the first).
      const before = (await callUnary(clients.scheduler, 'listJobs', {})).jobs.find((j) => j.name === req.name.trim());
      const res = await (name === 'pause' ? callUnary(clients.scheduler, 'pauseJob', req) : callUnary(clients.scheduler, 'resumeJob', req))
        .catch((err: unknown) => withJobNames(err, clients));
      const note = before && before.paused === (name === 'pause') ? scheduleNote(name, before.name) : undefined;
      return {
        json: (name === 'pause' ? schedulerv1.PauseJobResponse : schedulerv1.ResumeJobResponse).toJSON(res),
        text: jobTable(res.job ? [res.job] : []),
        ...(note ? { note } : {}),
      };
    },
  };
}

const pause = scheduleCommand('pause', 'stop a job\'s schedule (it runs again only when resumed or triggered by hand)');
const resume = scheduleCommand('resume', 'restart a paused job\'s schedule');

const runs: CommandSpec = {
  name: 'runs',
  summary: 'list job runs, newest first',
  service: 'scheduler',
  options: {
    job: { type: 'string', valueName: 'name', description: 'only this job' },
    since: { type: 'string', valueName: 'time', description: 'started at or after (ISO 8601 or a span ago like 7d)' },
    ...PAGE_OPTIONS,
  },
  async run({ args, clients, now }) {
    const since = args.string('since');
    const res = await callUnary(clients.scheduler, 'listJobRuns', {
      jobName: args.string('job') ?? '',
      started: since === undefined ? undefined : { from: parseTime('since', since, now), to: undefined },
      page: pageRequest(args),
    });
    return { json: schedulerv1.ListJobRunsResponse.toJSON(res), text: runTable(res.runs) + nextPageHint(res.nextPageToken) };
  },
};

/** `notifyctl jobs …`. */
export const jobsGroup: CommandGroup = {
  name: 'jobs',
  aliases: ['job'],
  summary: 'list, trigger, pause, resume and inspect scheduled jobs (scheduler service)',
  commands: [listJobs, trigger, pause, resume, runs],
};

const campaignStatus = (s: schedulerv1.CampaignStatus): string => enumLabel(schedulerv1.CampaignStatus, 'CAMPAIGN_STATUS_', s);

function campaignRecord(c: schedulerv1.Campaign | undefined): string {
  if (!c) return '';
  return formatRecord([
    ['ID', c.id],
    ['Name', c.name],
    ['Kind', enumLabel(schedulerv1.CampaignKind, 'CAMPAIGN_KIND_', c.kind)],
    ['Type', notificationTypeLabel(c.notificationType)],
    ['Template', c.templateKey],
    ['Status', campaignStatus(c.status)],
    ['Send at', formatTime(c.sendAt)],
    ['Priority', priorityLabel(c.priority)],
    ['Channels', c.channels.map(channelLabel).join(', ')],
    ['Audience', c.audience.map(audienceLabel).join('; ')],
    ['Created', `${formatTime(c.createdAt)}${c.createdBy ? ` by ${actorLabel(c.createdBy)}` : ''}`],
    ['Sent', formatTime(c.sentAt)],
    ['Cancelled', c.cancelledAt ? `${formatTime(c.cancelledAt)}: ${c.cancelReason}` : ''],
    ['Failed', c.failedAt ? `${formatTime(c.failedAt)}: ${c.failureReason}` : ''],
  ]);
}

/** `area_customers zone=karawang` for an Audience. */
function audienceLabel(a: commonv1.Audience): string {
  const parts = [enumLabel(commonv1.AudienceKind, 'AUDIENCE_KIND_', a.kind).toLowerCase()];
  if (a.workZone) parts.push(`zone=${a.workZone}`);
  if (a.groupId) parts.push(`group=${a.groupId}`);
  if (a.roles.length) parts.push(`roles=${a.roles.map((r) => enumLabel(commonv1.Role, 'ROLE_', r).toLowerCase()).join('+')}`);
  if (a.customerId) parts.push(`customer=${a.customerId}`);
  if (a.staffId) parts.push(`staff=${a.staffId}`);
  return parts.join(' ');
}

const schedule: CommandSpec = {
  name: 'schedule',
  summary: 'schedule a broadcast (maintenance, promotion, emergency alert)',
  service: 'scheduler',
  options: {
    name: { type: 'string', required: true, valueName: 'text', description: 'campaign name' },
    template: { type: 'string', required: true, valueName: 'key', description: 'template key' },
    audience: { type: 'string', required: true, multiple: true, valueName: 'spec', description: 'kind[:zone=…,group=…,roles=a+b] (repeatable), e.g. area_customers:zone=karawang' },
    'send-at': { type: 'string', required: true, valueName: 'time', description: 'when to send: a span from now (+90m, +2h, +1d, in 2h) or ISO 8601, e.g. 2026-11-23T08:00:00+07:00 (a plain 2h is refused: spans without + read as ago)' },
    kind: { type: 'string', valueName: 'kind', description: 'maintenance, promotion, emergency_alert, other' },
    type: { type: 'string', valueName: 'type', description: 'notification type (default from --kind)' },
    priority: { type: 'string', valueName: 'p', description: 'low, normal, high, urgent' },
    channel: { type: 'string', multiple: true, valueName: 'whatsapp|sms', description: 'channels' },
    var: { type: 'string', multiple: true, valueName: 'key=value', description: 'a template variable (repeatable)' },
    vars: { type: 'string', valueName: 'json', description: 'template variables as a JSON object' },
    'request-id': { type: 'string', valueName: 'key', description: 'idempotency key' },
  },
  examples: ['notifyctl campaigns schedule --name "Maintenance Karawang" --kind maintenance --template maintenance.notice --audience area_customers:zone=karawang --send-at +2h --var area=Karawang …'],
  async run({ args, clients, now }) {
    const kind = args.string('kind');
    const res = await callUnary(clients.scheduler, 'scheduleCampaign', {
      name: args.required('name'),
      templateKey: args.required('template'),
      audience: args.raw('audience').map((a) => parseAudience('audience', a)),
      variables: parseVariables(args.raw('var'), args.string('vars')),
      sendAt: parseFutureTime('send-at', args.required('send-at'), now),
      kind: kind === undefined ? 0 : parseEnum(schedulerv1.CampaignKind, 'CAMPAIGN_KIND_', 'kind', kind),
      notificationType: notificationTypeOf(args, 'type') ?? 0,
      priority: priorityOf(args),
      channels: args.list('channel').map((c) => parseChannel('channel', c)),
      requestId: args.string('request-id') ?? '',
      actor: undefined,
    });
    const c = res.campaign;
    const notes = c
      ? [
        campaignDatesNote(c),
        ...(await Promise.all([
          campaignReachesNobodyNote(clients.customer, c),
          unusedVariablesNote(
            clients, { key: c.templateKey, channel: c.channels[0] ?? commonv1.Channel.CHANNEL_WHATSAPP, locale: commonv1.Locale.LOCALE_ID, version: 0 }, Object.keys(c.variables ?? {}),
          ),
        ])),
      ]
      : [];
    const note = notes.filter(Boolean).join('\n');
    return { json: schedulerv1.ScheduleCampaignResponse.toJSON(res), text: campaignRecord(c), ...(note ? { note } : {}) };
  },
};

/** Dates of the template variables a campaign carries that name when something happens (the maintenance window's start, a promotion's validity). */
const CAMPAIGN_DATE_VARIABLES = ['start_at', 'valid_until'] as const;

/**
 * The stderr note of `campaigns schedule` for dates that look mistaken (QA: `--send-at 2126-01-01`
 * and a maintenance notice starting in 2020 were scheduled without a word): a send time more than
 * a year ahead, or a `start_at` / `valid_until` variable before the send time (the message would
 * announce the past). undefined when none does.
 */
export function campaignDatesNote(c: Pick<schedulerv1.Campaign, 'sendAt' | 'variables'>): string | undefined {
  if (!c.sendAt) return undefined;
  const problems: string[] = [];
  if (c.sendAt.getTime() - Date.now() > 366 * 86_400_000) problems.push(`it is sent more than a year from now (${formatTime(c.sendAt)})`);
  for (const name of CAMPAIGN_DATE_VARIABLES) {
    const raw = (c.variables as Record<string, unknown> | undefined)?.[name];
    const at = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
    if (!Number.isNaN(at) && at < c.sendAt.getTime()) problems.push(`${name} (${formatTime(new Date(at))}) is before the send time`);
  }
  return problems.length > 0 ? `note: check the dates: ${problems.join('; ')}` : undefined;
}

/**
 * The stderr note of `campaigns schedule` when the campaign's audiences name nobody the customer
 * service would message now (its ResolveRecipients with those audiences and channels): a zone
 * nobody lives in, a customer or group id the directory does not know, everyone opted out (QA:
 * `area_customers:zone=atlantis` and unknown ids were scheduled without a word, then SENT to
 * nobody). Scheduling is not refused: the audiences are resolved again at the send time. Best
 * effort: undefined when someone is reached, more than one page would be read, or the look-up fails.
 */
export async function campaignReachesNobodyNote(customer: customerv1.CustomerServiceClient, c: schedulerv1.Campaign): Promise<string | undefined> {
  try {
    const res = await callUnary(customer, 'resolveRecipients', customerv1.ResolveRecipientsRequest.fromPartial({
      notificationType: c.notificationType, audiences: c.audience, channels: c.channels, context: { priority: c.priority }, page: { pageSize: 200, pageToken: '' },
    }));
    if (res.recipients.length > 0 || res.nextPageToken) return undefined;
    return `note: its audiences reach nobody now${leftOutSummary(res.leftOut)}; they are resolved again at the send time (notifyctl campaigns cancel ${c.id} withdraws it)`;
  } catch {
    return undefined;
  }
}

const cancelCampaign: CommandSpec = {
  name: 'cancel',
  summary: 'cancel a SCHEDULED campaign',
  service: 'scheduler',
  positionals: [{ name: 'campaign-id', description: 'campaign id' }],
  options: { reason: { type: 'string', required: true, valueName: 'text', description: 'why' } },
  async run({ args, clients }) {
    const res = await callUnary(clients.scheduler, 'cancelCampaign', { campaignId: args.positional(0), reason: args.required('reason') });
    return { json: schedulerv1.CancelCampaignResponse.toJSON(res), text: campaignRecord(res.campaign) };
  },
};

const listCampaigns: CommandSpec = {
  name: 'list',
  summary: 'list campaigns',
  service: 'scheduler',
  options: {
    status: { type: 'string', multiple: true, valueName: 'status', description: 'scheduled, sent, cancelled, failed' },
    ...PAGE_OPTIONS,
  },
  async run({ args, clients }) {
    const res = await callUnary(clients.scheduler, 'listCampaigns', {
      statuses: args.list('status').map((s) => parseEnum(schedulerv1.CampaignStatus, 'CAMPAIGN_STATUS_', 'status', s)),
      page: pageRequest(args),
    });
    const text = formatTable(
      [{ header: 'ID' }, { header: 'NAME', maxWidth: 30 }, { header: 'KIND' }, { header: 'STATUS' }, { header: 'SEND AT' }, { header: 'TEMPLATE' }],
      res.campaigns.map((c) => [c.id, c.name, enumLabel(schedulerv1.CampaignKind, 'CAMPAIGN_KIND_', c.kind), campaignStatus(c.status), formatTime(c.sendAt), c.templateKey]),
    );
    return { json: schedulerv1.ListCampaignsResponse.toJSON(res), text: text + nextPageHint(res.nextPageToken) };
  },
};

const showCampaign: CommandSpec = {
  name: 'show',
  summary: "one campaign and, once SENT, how the gateway's broadcast of it is going",
  service: 'scheduler',
  positionals: [{ name: 'campaign-id', description: 'campaign id' }],
  async run({ args, clients }) {
    const res = await callUnary(clients.scheduler, 'getCampaign', { campaignId: args.positional(0) });
    const c = res.campaign!;
    let outcome: gatewayv1.GetNotificationResponse | null = null;
    let outcomeLine = '';
    if (c.dueEventId) {
      // The gateway's notification for the campaign has the due event's id as its key.
      try {
        outcome = await callUnary(clients.gateway, 'getNotification', { notificationId: '', idempotencyKey: c.dueEventId });
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        outcomeLine = 'not taken by the gateway yet';
      }
    }
    const n = outcome?.notification;
    const rows = n
      ? formatRecord([
          ['Gateway', `${enumLabel(gatewayv1.NotificationStatus, 'NOTIFICATION_STATUS_', n.status)} (notification ${n.id})`],
          ['Deliveries', `${n.deliveriesCreated}${outcome!.deliveriesByStatus.length ? `: ${outcome!.deliveriesByStatus.map((s) => `${enumLabel(gatewayv1.DeliveryStatus, 'DELIVERY_STATUS_', s.status)} ${s.count}`).join(', ')}` : ''}`],
          ['Left out', String(n.leftOut)],
          ['Error', n.error],
          ...campaignOutcomeNote(n),
        ])
      : outcomeLine
        ? formatRecord([['Gateway', outcomeLine]])
        : '';
    const leftOut = n ? leftOutList(n) : '';
    return {
      json: { ...schedulerv1.GetCampaignResponse.toJSON(res) as object, ...(outcome ? { gateway: gatewayv1.GetNotificationResponse.toJSON(outcome) } : {}) },
      text: campaignRecord(c) + (rows ? `\n${rows}` : '') + (leftOut ? `\n${leftOut}` : ''),
    };
  },
};

/** `notifyctl campaigns …`. */
export const campaignsGroup: CommandGroup = {
  name: 'campaigns',
  aliases: ['campaign'],
  summary: 'schedule, cancel, list and show broadcasts (scheduler service; show asks the gateway how one went)',
  commands: [schedule, cancelCampaign, listCampaigns, showCampaign],
};

/**
 * A `Note` row for a campaign whose broadcast reached nobody (RESOLVED, no delivery, nobody left
 * out): the audience was empty, most often customers still PENDING (QA: 33 registered customers
 * of a zone, "Deliveries: 0"). No row otherwise.
 */
export function campaignOutcomeNote(n: Pick<gatewayv1.Notification, 'status' | 'deliveriesCreated' | 'leftOut'>): Array<[string, string]> {
  if (n.status !== gatewayv1.NotificationStatus.NOTIFICATION_STATUS_RESOLVED || n.deliveriesCreated > 0 || n.leftOut > 0) return [];
  return [['Note', 'reached nobody: the audience had no one to notify (broadcasts reach ACTIVE customers only: notifyctl customers activate; staff and groups must be active)']];
}
