import { ticketv1 } from '@notify/proto';
import { DEMO_USAGE, DemoInterrupted, parseDemoArgs, playThenTidy, type TidyRun } from './cli';
import type { ScenarioResult, TicketRole } from './scenario';

describe('parseDemoArgs (the flags of npm run demo, strict)', () => {
  it('runs with the three flags, each off unless given, in any order', () => {
    expect(parseDemoArgs([])).toEqual({ kind: 'run', json: false, noStart: false, keepTickets: false });
    expect(parseDemoArgs(['--json'])).toEqual({ kind: 'run', json: true, noStart: false, keepTickets: false });
    expect(parseDemoArgs(['--no-start'])).toEqual({ kind: 'run', json: false, noStart: true, keepTickets: false });
    expect(parseDemoArgs(['--keep-tickets'])).toEqual({ kind: 'run', json: false, noStart: false, keepTickets: true });
    expect(parseDemoArgs(['--keep-tickets', '--no-start', '--json'])).toEqual({ kind: 'run', json: true, noStart: true, keepTickets: true });
  });

  it('--help and -h ask for the usage text (also next to other flags), so nothing runs', () => {
    expect(parseDemoArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseDemoArgs(['-h'])).toEqual({ kind: 'help' });
    expect(parseDemoArgs(['--json', '--help'])).toEqual({ kind: 'help' });
  });

  it('an unknown or misspelt flag is an error naming it (and the flag meant), not ignored', () => {
    expect(parseDemoArgs(['--keep-ticket'])).toEqual({ kind: 'error', message: 'unknown option --keep-ticket, did you mean --keep-tickets? (see npm run demo -- --help)' });
    expect(parseDemoArgs(['--json', '--nostart'])).toEqual({ kind: 'error', message: 'unknown option --nostart, did you mean --no-start? (see npm run demo -- --help)' });
    expect(parseDemoArgs(['--verbose'])).toEqual({ kind: 'error', message: 'unknown option --verbose (see npm run demo -- --help)' });
    expect(parseDemoArgs(['-x'])).toEqual({ kind: 'error', message: 'unknown option -x (see npm run demo -- --help)' });
  });

  it('a positional or a value given to a flag is an error too', () => {
    expect(parseDemoArgs(['karawang'])).toEqual({ kind: 'error', message: 'unexpected argument "karawang": the demo takes flags only (see npm run demo -- --help)' });
    expect(parseDemoArgs(['--json=yes'])).toEqual({ kind: 'error', message: 'option --json takes no value (see npm run demo -- --help)' });
  });

  it('every error is one line', () => {
    for (const argv of [['--keep-ticket'], ['a', 'b'], ['--', '--json'], ['--no-start=1'], ['-hx']]) {
      const parsed = parseDemoArgs(argv);
      expect(parsed.kind).toBe('error');
      if (parsed.kind === 'error') expect(parsed.message).not.toContain('\n');
    }
  });
});

describe('DEMO_USAGE (npm run demo -- --help)', () => {
  it('says what the demo does and lists its flags and environment variables', () => {
    expect(DEMO_USAGE).toMatch(/^Usage: npm run demo/);
    expect(DEMO_USAGE).toContain("Plays the seeds' story");
    for (const flag of ['--json', '--no-start', '--keep-tickets', '-h, --help']) expect(DEMO_USAGE).toContain(flag);
    for (const name of [
      'NOTIFY_API_KEY',
      'NOTIFY_DATA_DIR',
      '<SERVICE>_ADDR',
      'WEBHOOK_URL',
      'FONNTE_SIM_URL',
      'STACK_INFO_FILE',
      'DEMO_DATABASE_URL',
      'TICKET_DATABASE_SCHEMA',
      'DEMO_STEP_TIMEOUT_MS',
      'DEMO_SETTLE_MS',
      'DEMO_FONNTE_DOWN_MS',
      'NO_COLOR',
    ]) {
      expect(DEMO_USAGE).toContain(name);
    }
  });
});

describe('playThenTidy (the tickets a run left open are cancelled, also when a step fails)', () => {
  const ticket = (number: string) => ticketv1.Ticket.fromPartial({ id: `id-${number}`, number });
  const GGN = ticket('GGN-20261207-0001');
  const PSB = ticket('PSB-20261207-0001');

  /** A run whose play reports `opened` tickets, then resolves or throws `fails`; records what happened. */
  function fakeRun(opened: [TicketRole, ticketv1.Ticket][], options: { fails?: Error; closeFails?: Error; keepTickets?: boolean } = {}) {
    const events: string[] = [];
    const closedWith: ScenarioResult['tickets'][] = [];
    const run: TidyRun<string> = {
      keepTickets: options.keepTickets ?? false,
      play: async (onTicket) => {
        for (const [role, t] of opened) onTicket(role, t);
        events.push('played');
        if (options.fails) throw options.fails;
        return 'result';
      },
      close: async (tickets) => {
        closedWith.push(tickets);
        events.push('close');
        if (options.closeFails) throw options.closeFails;
        return Object.values(tickets).map((t) => t.number);
      },
      out: (line) => events.push(`out: ${line}`),
      warn: (line) => events.push(`warn: ${line}`),
    };
    return { run, events, closedWith };
  }

  it('after a whole story: cancels and says which, resolves with the result', async () => {
    const { run, events, closedWith } = fakeRun([['gangguan', GGN], ['psb', PSB]]);
    await expect(playThenTidy(run)).resolves.toBe('result');
    expect(closedWith).toEqual([{ gangguan: GGN, psb: PSB }]);
    expect(events).toEqual([
      'played',
      'close',
      'out: Cancelled the tickets the story left open (GGN-20261207-0001, PSB-20261207-0001), so no SLA warning follows the demo; --keep-tickets leaves them.',
    ]);
  });

  it("when a step fails: cancels the tickets reported before the failure, then rethrows the step's own error", async () => {
    const stepError = new Error('step 2: after 30000 ms still missing …');
    const { run, events, closedWith } = fakeRun([['gangguan', GGN]], { fails: stepError });
    await expect(playThenTidy(run)).rejects.toBe(stepError);
    expect(closedWith).toEqual([{ gangguan: GGN }]);
    expect(events).toEqual(['played', 'close', expect.stringContaining('out: Cancelled the tickets the story left open (GGN-20261207-0001)')]);
  });

  it("a failing cleanup is one warning line, and the step's error still comes out (not the cleanup's)", async () => {
    const stepError = new Error('step 3: timed out');
    const { run, events } = fakeRun([['gangguan', GGN]], { fails: stepError, closeFails: new Error('UNAVAILABLE: ticket service') });
    await expect(playThenTidy(run)).rejects.toBe(stepError);
    const warnings = events.filter((e) => e.startsWith('warn: '));
    expect(warnings).toEqual([
      'warn: demo: warning: could not cancel the tickets this run left open (GGN-20261207-0001: UNAVAILABLE: ticket service); cancel the unfinished ones with npx notifyctl tickets cancel <number> --reason "demo"',
    ]);
    expect(warnings[0]).not.toContain('\n');
  });

  it('a failing cleanup after a whole story is a warning too: the result stands', async () => {
    const { run, events } = fakeRun([['psb', PSB]], { closeFails: new Error('boom') });
    await expect(playThenTidy(run)).resolves.toBe('result');
    expect(events.at(-1)).toMatch(/^warn: demo: warning: could not cancel the tickets this run left open \(PSB-20261207-0001: boom\)/);
  });

  it('interrupted (Ctrl-C) in the middle of a step: the story is abandoned, its tickets cancelled, and it rejects DemoInterrupted', async () => {
    const closedWith: ScenarioResult['tickets'][] = [];
    const remembered: string[][] = [];
    let interrupt!: (signal: string) => void;
    const run: TidyRun<string> = {
      keepTickets: false,
      interrupted: new Promise((resolve) => (interrupt = resolve)),
      remember: (tickets) => remembered.push(Object.values(tickets).map((t) => t.number)),
      play: async (onTicket) => {
        onTicket('gangguan', GGN);
        onTicket('psb', PSB);
        interrupt('SIGINT');
        return new Promise<string>(() => undefined); // a step that would wait for its messages
      },
      close: async (tickets) => {
        closedWith.push(tickets);
        return Object.values(tickets).map((t) => t.number);
      },
      out: () => undefined,
      warn: () => undefined,
    };
    const err = await playThenTidy(run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DemoInterrupted);
    expect((err as DemoInterrupted).signal).toBe('SIGINT');
    expect(closedWith).toEqual([{ gangguan: GGN, psb: PSB }]);
    // Kept as they open (for a run killed outright), forgotten once cancelled.
    expect(remembered).toEqual([[GGN.number], [GGN.number, PSB.number], []]);
  });

  it('a cleanup that fails keeps the tickets remembered for the next run', async () => {
    const remembered: string[][] = [];
    const { run } = fakeRun([['gangguan', GGN]], { closeFails: new Error('UNAVAILABLE') });
    await playThenTidy({ ...run, remember: (tickets) => remembered.push(Object.values(tickets).map((t) => t.number)) });
    expect(remembered).toEqual([[GGN.number]]);
  });

  it('--keep-tickets, or no ticket reported (a failure before step 2): nothing is cancelled', async () => {
    const kept = fakeRun([['gangguan', GGN]], { fails: new Error('x'), keepTickets: true });
    await expect(playThenTidy(kept.run)).rejects.toThrow('x');
    expect(kept.closedWith).toEqual([]);
    const none = fakeRun([], { fails: new Error('preflight') });
    await expect(playThenTidy(none.run)).rejects.toThrow('preflight');
    expect(none.closedWith).toEqual([]);
    expect(none.events).toEqual(['played']);
  });
});
