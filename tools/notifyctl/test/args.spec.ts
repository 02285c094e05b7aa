import { commonv1, schedulerv1, ticketv1 } from '@notify/proto';
import { campaignDatesNote, runOutcomeLabel, runTable, triggerNote } from '../src/commands/jobs';
import {
  UsageError,
  enumChoices,
  enumLabel,
  parseCommandLine,
  parseEnum,
  parseFutureTime,
  parseIntFlag,
  parseTime,
  parseTimeSpan,
  parseVariables,
  splitCommandLine,
} from '../src/args';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseAudience } from '../src/audience';
import { resolveConnection } from '../src/clients';
import { idOrPhone } from '../src/commands/customers';
import { AnnotatedCallError, formatCallError } from '../src/errors';
import { NotFoundError } from '@notify/errors';

describe('splitCommandLine', () => {
  it('finds group and command after global flags and their values', () => {
    expect(splitCommandLine(['--json', '--host', 'h', 'tickets', 'list', '--zone', 'karawang'])).toEqual({
      group: 'tickets',
      command: 'list',
      rest: ['--json', '--host', 'h', '--zone', 'karawang'],
    });
    expect(splitCommandLine(['--api-key=k', 'tickets', 'get', 'X'])).toEqual({ group: 'tickets', command: 'get', rest: ['--api-key=k', 'X'] });
  });
  it('stops at the first command flag (a positional after it is not the command)', () => {
    expect(splitCommandLine(['tickets', '--zone', 'list'])).toEqual({ group: 'tickets', command: undefined, rest: ['--zone', 'list'] });
  });
});

describe('parseCommandLine', () => {
  const options = {
    zone: { type: 'string', description: '' },
    status: { type: 'string', multiple: true, description: '' },
    reason: { type: 'string', required: true, description: '' },
    reassign: { type: 'boolean', description: '' },
  } as const;
  const positionals = [{ name: 'id', description: '' }];

  it('parses flags, repeatable and comma-separated lists, booleans and positionals', () => {
    const args = parseCommandLine(['T1', '--reason', 'x', '--status', 'open,assigned', '--status', 'in_progress', '--reassign', '--json'], options, positionals);
    expect(args.positional(0)).toBe('T1');
    expect(args.required('reason')).toBe('x');
    expect(args.list('status')).toEqual(['open', 'assigned', 'in_progress']);
    expect(args.flag('reassign')).toBe(true);
    expect(args.flag('json')).toBe(true);
    expect(args.string('zone')).toBeUndefined();
  });

  it.each([
    [['T1'], 'missing required flag --reason'],
    [['--reason', 'x'], 'missing argument <id>'],
    [['T1', 'T2', '--reason', 'x'], 'unexpected argument "T2"'],
    [['T1', '--reason', 'x', '--bogus'], 'unknown flag --bogus'],
    [['T1', '--reason'], 'flag --reason needs a value'],
    [['T1', '--reason', '  '], 'missing required flag --reason'],
    // QA: `--audience a --audience b` silently kept the last one.
    [['T1', '--reason', 'x', '--zone', 'karawang', '--zone', 'bekasi'], '--zone takes one value, given 2 times ("karawang", "bekasi")'],
  ])('%j is a usage error: %s', (argv, message) => {
    let err: unknown;
    try {
      parseCommandLine(argv, options, positionals);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(message);
  });

  it('takes a dash-and-digit word after a string flag as its value (--zone -24h, as --zone=-24h); a flag word after one is still a flag', () => {
    const args = parseCommandLine(['T1', '--reason', '-24h', '--zone', '-5', '--status', '-1d'], options, positionals);
    expect(args.required('reason')).toBe('-24h');
    expect(args.string('zone')).toBe('-5');
    expect(args.list('status')).toEqual(['-1d']);
    expect(() => parseCommandLine(['T1', '--reason', '--reassign'], options, positionals)).toThrow(UsageError);
    expect(() => parseCommandLine(['T1', '--reason', 'x', '--reassign', '-1d'], options, positionals)).toThrow(UsageError);
    expect(parseCommandLine(['--reason', 'x', '--', '-1d'], options, positionals).positional(0)).toBe('-1d');
  });

  it('skips the required checks for --help', () => {
    expect(parseCommandLine(['--help'], options, positionals).flag('help')).toBe(true);
  });
});

describe('enums', () => {
  it('accepts short, full, dashed and aliased names case-insensitively', () => {
    expect(parseEnum(ticketv1.TicketStatus, 'TICKET_STATUS_', 'status', 'in-progress')).toBe(ticketv1.TicketStatus.TICKET_STATUS_IN_PROGRESS);
    expect(parseEnum(ticketv1.TicketStatus, 'TICKET_STATUS_', 'status', 'TICKET_STATUS_OPEN')).toBe(ticketv1.TicketStatus.TICKET_STATUS_OPEN);
    expect(parseEnum(ticketv1.TicketType, 'TICKET_TYPE_', 'type', 'GANGGUAN', { gangguan: 1 })).toBe(1);
  });
  it('rejects UNSPECIFIED and unknown names, listing the choices', () => {
    expect(() => parseEnum(commonv1.Priority, 'PRIORITY_', 'priority', 'unspecified')).toThrow(UsageError);
    expect(() => parseEnum(commonv1.Priority, 'PRIORITY_', 'priority', 'asap')).toThrow('--priority: "asap" is not one of low, normal, high, urgent');
  });
  it('labels values by their short name', () => {
    expect(enumLabel(ticketv1.TicketStatus, 'TICKET_STATUS_', 3)).toBe('IN_PROGRESS');
    expect(enumLabel(ticketv1.TicketStatus, 'TICKET_STATUS_', 0)).toBe('-');
    expect(enumLabel(ticketv1.TicketStatus, 'TICKET_STATUS_', 99)).toBe('99');
    expect(enumChoices(commonv1.Channel, 'CHANNEL_')).toEqual(['whatsapp', 'sms']);
  });
});

describe('value parsers', () => {
  const now = new Date('2026-11-22T02:00:00Z');
  it('parseTime reads ISO 8601, now, and spans ago', () => {
    expect(parseTime('from', '2026-11-22T09:00:00+07:00', now).toISOString()).toBe('2026-11-22T02:00:00.000Z');
    expect(parseTime('from', 'now', now).getTime()).toBe(now.getTime());
    expect(parseTime('from', '24h', now).toISOString()).toBe('2026-11-21T02:00:00.000Z');
    expect(parseTime('from', '90m', now).toISOString()).toBe('2026-11-22T00:30:00.000Z');
    expect(() => parseTime('from', 'yesterday', now)).toThrow(UsageError);
    expect(() => parseTime('from', '2026-13-45', now)).toThrow(UsageError);
  });
  it('parseTime reads a span from now: +90m, +2h, +1d, in 2h (QA: no way to give a future time as a span); -24h and 24h ago are ago as 24h is', () => {
    expect(parseTime('send-at', '+90m', now).toISOString()).toBe('2026-11-22T03:30:00.000Z');
    expect(parseTime('send-at', '+2h', now).toISOString()).toBe('2026-11-22T04:00:00.000Z');
    expect(parseTime('send-at', '+1d', now).toISOString()).toBe('2026-11-23T02:00:00.000Z');
    expect(parseTime('send-at', 'in 2h', now).toISOString()).toBe('2026-11-22T04:00:00.000Z');
    expect(parseTime('send-at', ' IN 2H ', now).toISOString()).toBe('2026-11-22T04:00:00.000Z');
    expect(parseTime('since', '-24h', now).toISOString()).toBe('2026-11-21T02:00:00.000Z');
    expect(parseTime('since', '24h ago', now).toISOString()).toBe('2026-11-21T02:00:00.000Z');
    expect(() => parseTime('since', '+2h ago', now)).toThrow(UsageError);
    expect(() => parseTime('since', 'in2h', now)).toThrow(UsageError);
    expect(() => parseTime('since', 'soon', now)).toThrow('--since: "soon" is not a time (ISO 8601 like 2026-11-22T09:00:00+07:00, "now", a span ago like 24h, 7d, or from now like +2h)');
  });
  it('parseTimeSpan tells a plain span from one ago and one from now', () => {
    expect(parseTimeSpan('24h')).toEqual({ direction: 'plain', ms: 86_400_000, count: 24, unit: 'h' });
    expect(parseTimeSpan('-7d')).toMatchObject({ direction: 'past', count: 7, unit: 'd' });
    expect(parseTimeSpan('+90M')).toMatchObject({ direction: 'future', ms: 5_400_000, unit: 'm' });
    expect(parseTimeSpan('2026-11-22')).toBeUndefined();
    expect(parseTimeSpan('now')).toBeUndefined();
  });
  it('parseFutureTime (campaigns schedule --send-at) refuses a plain span, which reads as ago, saying how to write it from now', () => {
    expect(() => parseFutureTime('send-at', '1h', now)).toThrow(UsageError);
    expect(() => parseFutureTime('send-at', '1h', now)).toThrow('--send-at: "1h" is 1 hour ago; for 1 hour from now write +1h');
    expect(() => parseFutureTime('send-at', '90m', now)).toThrow('--send-at: "90m" is 90 minutes ago; for 90 minutes from now write +90m');
    expect(parseFutureTime('send-at', '+1h', now).toISOString()).toBe('2026-11-22T03:00:00.000Z');
    expect(parseFutureTime('send-at', 'in 1d', now).toISOString()).toBe('2026-11-23T02:00:00.000Z');
    expect(parseFutureTime('send-at', '2026-11-23T08:00', now).toISOString()).toBe('2026-11-23T01:00:00.000Z');
    expect(parseFutureTime('send-at', 'now', now).getTime()).toBe(now.getTime());
    expect(() => parseFutureTime('send-at', 'tomorrow', now)).toThrow('--send-at: "tomorrow" is not a time (a span from now like +2h, +1d, "now", or ISO 8601 like 2026-11-22T09:00:00+07:00)');
  });
  it('parseTime reads a date or a date-time without zone as WIB', () => {
    expect(parseTime('from', '2026-11-22', now).toISOString()).toBe('2026-11-21T17:00:00.000Z');
    expect(parseTime('from', '2026-11-22T09:15', now).toISOString()).toBe('2026-11-22T02:15:00.000Z');
    expect(parseTime('from', '2026-11-22T09:15:00Z', now).toISOString()).toBe('2026-11-22T09:15:00.000Z');
  });
  it('parseIntFlag checks range and form', () => {
    expect(parseIntFlag('level', '2', 1, 2)).toBe(2);
    expect(() => parseIntFlag('level', '3', 1, 2)).toThrow('--level: "3" must be a whole number from 1 to 2');
    expect(() => parseIntFlag('level', '1.5', 1, 2)).toThrow(UsageError);
  });
  it('parseVariables merges --vars JSON and --var pairs (split at the first =)', () => {
    expect(parseVariables(['a=1', 'url=https://x?y=z'], '{"a": 0, "n": 5}')).toEqual({ a: '1', url: 'https://x?y=z', n: 5 });
    expect(() => parseVariables(['novalue'])).toThrow('--var: "novalue" must be key=value');
    expect(() => parseVariables([], '[1]')).toThrow('--vars: must be a JSON object');
  });
  it('parseAudience reads kind and key=value pairs', () => {
    expect(parseAudience('audience', 'staff_roles:roles=technician+supervisor,zone=bekasi')).toMatchObject({
      kind: commonv1.AudienceKind.AUDIENCE_KIND_STAFF_ROLES,
      roles: [commonv1.Role.ROLE_TECHNICIAN, commonv1.Role.ROLE_SUPERVISOR],
      workZone: 'bekasi',
    });
    expect(() => parseAudience('audience', 'group:gid')).toThrow(UsageError);
    expect(() => parseAudience('audience', 'group:colour=red')).toThrow('unknown key "colour"');
    expect(parseAudience('audience', 'phone:phone=0812-3456-7890')).toMatchObject({ kind: commonv1.AudienceKind.AUDIENCE_KIND_PHONE, phone: '0812-3456-7890' });
  });
  it('idOrPhone passes phones through untouched and recognises UUIDs', () => {
    expect(idOrPhone('0812-3456-7890')).toEqual({ id: '', phone: '0812-3456-7890', includeOptOuts: false });
    expect(idOrPhone('6f1c2a3b-1d2e-4f50-8a9b-0c1d2e3f4a5b')).toEqual({ id: '6f1c2a3b-1d2e-4f50-8a9b-0c1d2e3f4a5b', phone: '', includeOptOuts: false });
  });
});

/** A stack info file that does not exist: the tests do not see a stack running on this machine. */
const NO_STACK = '/nonexistent/notify-stack.json';

describe('resolveConnection', () => {
  const parse = (argv: string[]) => parseCommandLine(argv, {});
  it('flag > --host > env > default, per service', () => {
    const c = resolveConnection(parse(['--ticket-addr', 't:1', '--api-key', 'k']), { CUSTOMER_ADDR: 'c:2', NOTIFY_API_KEY: 'env', STACK_INFO_FILE: NO_STACK });
    expect(c.addresses).toEqual({ ticket: 't:1', customer: 'c:2', template: '127.0.0.1:50053', scheduler: '127.0.0.1:50054', gateway: '127.0.0.1:50055' });
    expect(c.apiKey).toBe('k');
    expect(c.timeoutMs).toBe(10_000);
    const h = resolveConnection(parse(['--host', 'svc.local', '--timeout', '500']), { CUSTOMER_ADDR: 'c:2', NOTIFY_API_KEY: 'env', STACK_INFO_FILE: NO_STACK });
    expect(h.addresses.customer).toBe('svc.local:50052');
    expect(h.apiKey).toBe('env');
    expect(h.timeoutMs).toBe(500);
  });
  it('needs an API key and a sane timeout', () => {
    expect(() => resolveConnection(parse([]), { STACK_INFO_FILE: NO_STACK })).toThrow('no API key: pass --api-key or set NOTIFY_API_KEY');
    expect(() => resolveConnection(parse(['--timeout', '0']), { NOTIFY_API_KEY: 'k' })).toThrow(UsageError);
  });
  it("a running local stack's stack.json gives the addresses and its generated admin key, after flags and environment", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'notifyctl-stack-'));
    try {
      const keys = path.join(dir, 'api-keys.json');
      writeFileSync(keys, JSON.stringify({ admin: 'stack-admin-key', service: 'x' }));
      const file = path.join(dir, 'stack.json');
      const grpc = { ticket: '127.0.0.1:41001', customer: '127.0.0.1:41002', template: '127.0.0.1:41003', scheduler: '127.0.0.1:41004', gateway: '127.0.0.1:41005' };
      writeFileSync(file, JSON.stringify({ pid: process.pid, grpc, apiKeys: { source: 'generated', file: keys } }));
      const c = resolveConnection(parse([]), { STACK_INFO_FILE: file });
      expect(c.addresses).toEqual(grpc);
      expect(c.apiKey).toBe('stack-admin-key');
      // An address from elsewhere: that stack's key is not sent there.
      const mixed = resolveConnection(parse([]), { STACK_INFO_FILE: file, CUSTOMER_ADDR: 'c:2', NOTIFY_API_KEY: 'env' });
      expect(mixed.addresses).toEqual({ ...grpc, customer: 'c:2' });
      expect(mixed.apiKey).toBe('env');
      expect(() => resolveConnection(parse(['--host', 'staging.example.com']), { STACK_INFO_FILE: file })).toThrow('no API key');
      expect(resolveConnection(parse(['--api-key', 'k']), { STACK_INFO_FILE: file }).apiKey).toBe('k');
      // A stack that is gone (its pid no longer runs) is ignored.
      writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 12345, grpc, apiKeys: { source: 'generated', file: keys } }));
      expect(resolveConnection(parse([]), { STACK_INFO_FILE: file, NOTIFY_API_KEY: 'env' }).addresses.ticket).toBe('127.0.0.1:50051');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('formatCallError', () => {
  it('prints the status name and the server details on one line', () => {
    const cause = Object.assign(new Error('5 NOT_FOUND: ticket X not found'), { code: 5, details: 'ticket X not found' });
    const err = Object.assign(new NotFoundError('ticket', 'X'), { cause });
    err.message = 'ticket X not found';
    expect(formatCallError(err, 'ticket', '127.0.0.1:1')).toBe('error: NOT_FOUND: ticket X not found');
  });
  it('names the service and address for UNAVAILABLE and UNIMPLEMENTED', () => {
    const unimplemented = Object.assign(new Error('12 UNIMPLEMENTED: x'), { code: 12, details: 'ListJobs is not implemented yet' });
    expect(formatCallError(unimplemented, 'scheduler', 'h:50054')).toBe('error: UNIMPLEMENTED: ListJobs is not implemented yet (scheduler service at h:50054)');
    const unavailable = Object.assign(new Error('14'), { code: 14, details: 'No connection established.\nLast error: ECONNREFUSED. Resolution note: ' });
    expect(formatCallError(unavailable, 'gateway', 'h:1')).toBe('error: UNAVAILABLE: No connection established. Last error: ECONNREFUSED (gateway service at h:1)');
  });
  it('prints other errors as their message', () => {
    expect(formatCallError(new Error('boom'))).toBe('error: boom');
  });
  it('keeps the status of an annotated call failure and adds the CLI\'s hint (jobs trigger: the job names)', () => {
    const cause = Object.assign(new Error('5 NOT_FOUND: job nope not found'), { code: 5, details: 'job nope not found' });
    const err = Object.assign(new NotFoundError('job', 'nope'), { cause });
    expect(formatCallError(new AnnotatedCallError(err, 'jobs: daily_summary, sla_monitor'), 'scheduler')).toBe('error: NOT_FOUND: job nope not found; jobs: daily_summary, sla_monitor');
  });
});

describe('jobs trigger note', () => {
  it('says a queued run runs in the background and how to see its end; names a started one', () => {
    const queued = schedulerv1.JobRun.fromPartial({ id: 'r-1', jobName: 'daily_summary', outcome: schedulerv1.JobRunOutcome.JOB_RUN_OUTCOME_RUNNING });
    expect(triggerNote('sla_monitor', queued)).toBe('queued: it runs in the background in a moment; notifyctl jobs runs --job sla_monitor shows how it ends');
    expect(triggerNote('sla_monitor', { ...queued, startedAt: new Date() })).toBe('run r-1; notifyctl jobs runs --job sla_monitor shows how it ends');
    // A report job says its report goes out again (QA: three triggers, three reports to every technician).
    expect(triggerNote('daily_summary', queued).split('\n')[1]).toBe(
      'note: each run of daily_summary sends the daily report to the managers and supervisors again, also after the scheduled one (the SLA monitor and payment reminders remind once)',
    );
  });
  it('the run\'s row says QUEUED, not RUNNING, while it has not started (QA: RUNNING with no start time beside "queued")', () => {
    const O = schedulerv1.JobRunOutcome;
    const queued = schedulerv1.JobRun.fromPartial({ id: 'r-1', jobName: 'daily_summary', trigger: schedulerv1.JobTrigger.JOB_TRIGGER_MANUAL, outcome: O.JOB_RUN_OUTCOME_RUNNING });
    expect(runOutcomeLabel(queued)).toBe('QUEUED');
    expect(runOutcomeLabel({ ...queued, startedAt: new Date('2026-11-22T02:00:00Z') })).toBe('RUNNING');
    expect(runOutcomeLabel({ outcome: O.JOB_RUN_OUTCOME_SUCCEEDED, startedAt: undefined })).toBe('SUCCEEDED');
    const [header, row] = runTable([queued]).trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+JOB\s+TRIGGER\s+OUTCOME\s+ATTEMPT\s+ITEMS\s+STARTED\s+FINISHED\s+ERROR$/);
    expect(row).toMatch(/^r-1\s+daily_summary\s+MANUAL\s+QUEUED\s+0\s+0$/);
  });
});

describe('campaignDatesNote (campaigns schedule)', () => {
  const inAnHour = new Date(Date.now() + 3_600_000);
  it('notes a send time more than a year ahead and a start_at / valid_until before the send time (QA: scheduled without a word)', () => {
    expect(campaignDatesNote({ sendAt: inAnHour, variables: { start_at: new Date(inAnHour.getTime() + 86_400_000).toISOString() } })).toBeUndefined();
    expect(campaignDatesNote({ sendAt: inAnHour, variables: { start_at: '2020-01-01T08:00:00+07:00' } })).toBe('note: check the dates: start_at (2020-01-01 08:00 WIB) is before the send time');
    const far = new Date(Date.now() + 400 * 86_400_000);
    expect(campaignDatesNote({ sendAt: far, variables: {} })).toMatch(/^note: check the dates: it is sent more than a year from now \(\d{4}-\d\d-\d\d \d\d:\d\d WIB\)$/);
    expect(campaignDatesNote({ sendAt: inAnHour, variables: { valid_until: 'besok' } })).toBeUndefined(); // not a date: the template service judges it
  });
});
