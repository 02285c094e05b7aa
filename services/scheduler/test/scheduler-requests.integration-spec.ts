import { randomUUID } from 'node:crypto';
import { FailedPreconditionError, NotFoundError } from '@notify/errors';
import { callUnary, createClient } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { commonv1, schedulerv1 } from '@notify/proto';
import { callUnaryRaw, createTestSchema, expectInvalidArgument, messageField, timestampBytes, waitFor, type TestSchema } from '@notify/testing';
import type { JobHandlers } from '../src/application';
import { loadSchedulerConfig } from '../src/config';
import type { JobName } from '../src/domain';
import { startSchedulerService, type RunningSchedulerService } from '../src/server';
import { countingHandlers } from './support/counting-handlers';

const ADMIN_KEY = 'it-sched-req-admin-key-1';
const OUTCOME = schedulerv1.JobRunOutcome;
const TRIGGER = schedulerv1.JobTrigger;

jest.setTimeout(60_000);

/**
 * The scheduler's RPCs as an integrator calls them (QA run): paging per common.proto, TriggerJob
 * atomic across replicas, bad input refused naming the field. Two service instances (two pg-boss
 * engines) on one real Postgres schema; weekly_performance takes 1.5 s so a triggered run is
 * still RUNNING while the next trigger comes.
 */
describe('scheduler service: requests (gRPC + Postgres + pg-boss, two replicas)', () => {
  let pg: TestSchema;
  const services: RunningSchedulerService[] = [];
  const clients: schedulerv1.SchedulerServiceClient[] = [];
  const calls: JobName[] = [];
  const handlers: JobHandlers = {
    ...countingHandlers(calls),
    weekly_performance: {
      run: async () => {
        calls.push('weekly_performance');
        await new Promise((r) => setTimeout(r, 1500));
        return { itemsProduced: 0 };
      },
    },
  };

  beforeAll(async () => {
    pg = await createTestSchema('sched_req');
    const config = loadSchedulerConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      NOTIFY_API_KEYS: `${ADMIN_KEY}:admin`,
      DATABASE_URL: pg.url,
      DATABASE_SCHEMA: pg.schema,
      SHUTDOWN_GRACE_MS: '2000',
      SCHEDULER_CATCHUP_WINDOW_MS: '0',
    });
    for (let i = 0; i < 2; i++) {
      const service = await startSchedulerService(config, createLogger({ service: 'scheduler', level: 'silent' }), { handlers, pollingIntervalSeconds: 0.5 });
      services.push(service);
      clients.push(createClient(schedulerv1.SchedulerServiceClient, `127.0.0.1:${service.grpc.port}`, { apiKey: ADMIN_KEY }));
    }
  });

  afterAll(async () => {
    for (const c of clients) (c as unknown as { close(): void }).close();
    for (const s of services) await s.stop();
    if (pg) {
      const { Client } = await import('pg');
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${pg.schema}_boss" CASCADE`);
      await c.end();
      await pg.dropSchema();
    }
  });

  /** The call's error, which must be INVALID_ARGUMENT naming `field`, with `text` in its message (@notify/testing). */
  const invalid = expectInvalidArgument;

  const runsOf = async (jobName: string) => (await callUnary(clients[1]!, 'listJobRuns', { jobName, started: undefined, page: { pageSize: 100, pageToken: '' } })).runs;

  describe('paging follows common.proto PageRequest: 0 = default, above 500 clamped, negative INVALID_ARGUMENT', () => {
    it('ListCampaigns', async () => {
      await expect(callUnary(clients[0]!, 'listCampaigns', { statuses: [], page: { pageSize: 1000, pageToken: '' } })).resolves.toMatchObject({ campaigns: [] });
      await expect(callUnary(clients[0]!, 'listCampaigns', { statuses: [], page: { pageSize: 0, pageToken: '' } })).resolves.toMatchObject({ campaigns: [] });
      await invalid(callUnary(clients[0]!, 'listCampaigns', { statuses: [], page: { pageSize: -1, pageToken: '' } }), 'page_size');
    });

    it('ListJobRuns (and from ≥ to names `started`)', async () => {
      await expect(callUnary(clients[0]!, 'listJobRuns', { jobName: '', started: undefined, page: { pageSize: 1000, pageToken: '' } })).resolves.toBeDefined();
      await invalid(callUnary(clients[0]!, 'listJobRuns', { jobName: '', started: undefined, page: { pageSize: -5, pageToken: '' } }), 'page_size');
      const at = new Date();
      await invalid(callUnary(clients[0]!, 'listJobRuns', { jobName: '', started: { from: at, to: new Date(at.getTime() - 1000) }, page: undefined }), 'started', 'from must be before to');
    });

    it('a google.protobuf.Timestamp outside its spec is INVALID_ARGUMENT naming the field (QA: ScheduleCampaign send_at 99999999999999 s was INTERNAL)', async () => {
      const rpc = (name: string) => `/notify.scheduler.v1.SchedulerService/${name}`;
      const campaign = schedulerv1.ScheduleCampaignRequest.encode(schedulerv1.ScheduleCampaignRequest.fromPartial({
        name: 'Pemeliharaan Karawang', kind: schedulerv1.CampaignKind.CAMPAIGN_KIND_MAINTENANCE, templateKey: 'maintenance.notice',
        audience: [{ kind: commonv1.AudienceKind.AUDIENCE_KIND_AREA_CUSTOMERS, workZone: 'karawang' }],
      })).finish();
      const schedule = (sendAt: Uint8Array) => callUnaryRaw(clients[0]!, rpc('ScheduleCampaign'), Buffer.concat([campaign, messageField(5, sendAt)]), schedulerv1.ScheduleCampaignResponse.decode);
      await invalid(schedule(timestampBytes('99999999999999')), 'send_at', 'must be a timestamp between 0001-01-01 and 9999-12-31, got seconds 99999999999999');
      await invalid(schedule(timestampBytes('1777618800', 2_000_000_000)), 'send_at', 'nanos must be 0 to 999999999, got 2000000000');
      const runs = (started: Uint8Array) => callUnaryRaw(clients[0]!, rpc('ListJobRuns'), messageField(2, started), schedulerv1.ListJobRunsResponse.decode);
      await invalid(runs(messageField(1, timestampBytes('-99999999999999'))), 'started.from', 'got seconds -99999999999999');
      await invalid(runs(messageField(2, timestampBytes('0', -5))), 'started.to', 'nanos must be 0 to 999999999, got -5');
    });
  });

  describe('TriggerJob', () => {
    it('two concurrent triggers of one job on two replicas: exactly one runs, the other is FAILED_PRECONDITION; the run is returned RUNNING', async () => {
      const results = await Promise.allSettled(clients.map((c) => callUnary(c, 'triggerJob', { name: 'weekly_performance', actor: undefined })));
      const won = results.filter((r): r is PromiseFulfilledResult<schedulerv1.TriggerJobResponse> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(FailedPreconditionError);
      expect((lost[0]!.reason as Error).message).toContain('weekly_performance');
      const run = won[0]!.value.run!;
      expect(run).toMatchObject({ jobName: 'weekly_performance', trigger: TRIGGER.JOB_TRIGGER_MANUAL, outcome: OUTCOME.JOB_RUN_OUTCOME_RUNNING, attempt: 1 });

      // While it is queued or running, another trigger is refused too.
      await expect(callUnary(clients[0]!, 'triggerJob', { name: 'weekly_performance', actor: undefined })).rejects.toBeInstanceOf(FailedPreconditionError);
      const done = await waitFor(async () => (await runsOf('weekly_performance')).find((r) => r.id === run.id && r.outcome === OUTCOME.JOB_RUN_OUTCOME_SUCCEEDED), {
        timeoutMs: 20_000,
      });
      expect(done.trigger).toBe(TRIGGER.JOB_TRIGGER_MANUAL);
      expect((await runsOf('weekly_performance')).filter((r) => r.trigger === TRIGGER.JOB_TRIGGER_MANUAL)).toHaveLength(1);
      expect(calls.filter((c) => c === 'weekly_performance')).toHaveLength(1);

      // Once it has finished, the job can be triggered again (pg-boss completes its job a moment
      // after the run is recorded SUCCEEDED: until then the job still counts as running).
      const again = (
        await waitFor(() => callUnary(clients[1]!, 'triggerJob', { name: 'weekly_performance', actor: undefined }), { timeoutMs: 10_000, intervalMs: 100 })
      ).run!;
      await waitFor(async () => (await runsOf('weekly_performance')).find((r) => r.id === again.id && r.outcome === OUTCOME.JOB_RUN_OUTCOME_SUCCEEDED), { timeoutMs: 20_000 });
    });

    it('ListJobs lists no `campaign_dispatch` job and TriggerJob does not know one', async () => {
      const { jobs } = await callUnary(clients[0]!, 'listJobs', {});
      expect(jobs.map((j) => j.name)).not.toContain('campaign_dispatch');
      await expect(callUnary(clients[0]!, 'triggerJob', { name: 'campaign_dispatch', actor: undefined })).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('bad input is INVALID_ARGUMENT naming the field', () => {
    it('an empty job name: "name: is required" (it was NOT_FOUND "Job  not found")', async () => {
      for (const call of [
        callUnary(clients[0]!, 'triggerJob', { name: '', actor: undefined }),
        callUnary(clients[0]!, 'pauseJob', { name: '' }),
        callUnary(clients[0]!, 'resumeJob', { name: ' ' }),
      ]) {
        const err = await invalid(call, 'name', 'name: is required');
        expect(err.message).not.toMatch(/ {2}/);
      }
      await invalid(
        callUnary(clients[0]!, 'triggerJob', { name: 'daily_summary', actor: { kind: 9 as commonv1.ActorKind, id: '', name: '', role: commonv1.Role.ROLE_ADMIN } }),
        'actor.kind',
      );
    });

    const campaign = (over: Partial<schedulerv1.ScheduleCampaignRequest>) =>
      schedulerv1.ScheduleCampaignRequest.fromPartial({
        name: 'Promo',
        templateKey: 'campaign.promotion',
        audience: [{ kind: commonv1.AudienceKind.AUDIENCE_KIND_ALL_CUSTOMERS }],
        kind: schedulerv1.CampaignKind.CAMPAIGN_KIND_PROMOTION,
        ...over,
      });

    it('ScheduleCampaign: request_id over 200 characters, kind outside its enum', async () => {
      await invalid(callUnary(clients[0]!, 'scheduleCampaign', campaign({ requestId: 'k'.repeat(10_000) })), 'request_id', 'request_id: is longer than 200 characters');
      await invalid(callUnary(clients[0]!, 'scheduleCampaign', campaign({ kind: 99 as schedulerv1.CampaignKind })), 'kind', /unknown value 99/);
      await invalid(callUnary(clients[0]!, 'scheduleCampaign', campaign({ name: 'n'.repeat(201) })), 'name');
      await invalid(
        callUnary(clients[0]!, 'scheduleCampaign', campaign({ actor: { kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: '', name: '', role: 99 as commonv1.Role } })),
        'actor.role',
      );
    });

    it('CancelCampaign: campaign_id empty or not a UUID, reason over 500 characters', async () => {
      await invalid(callUnary(clients[0]!, 'cancelCampaign', { campaignId: '', reason: '' }), 'campaign_id', 'campaign_id: is required');
      await invalid(callUnary(clients[0]!, 'cancelCampaign', { campaignId: 'nope', reason: '' }), 'campaign_id', 'must be a UUID');
      await invalid(callUnary(clients[0]!, 'cancelCampaign', { campaignId: randomUUID(), reason: 'r'.repeat(501) }), 'reason', 'longer than 500');
    });
  });
});
