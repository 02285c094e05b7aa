import leven from 'leven';
import { GLOBAL_OPTIONS, UsageError, parseCommandLine, splitCommandLine, type OptionSpec } from './args';
import { Clients, resolveConnection } from './clients';
import type { CommandGroup, CommandSpec } from './command';
import { customersGroup, groupsGroup, staffGroup } from './commands/customers';
import { deliveriesGroup } from './commands/deliveries';
import { campaignsGroup, jobsGroup } from './commands/jobs';
import { notificationsGroup } from './commands/notifications';
import { routingGroup } from './commands/routing';
import { templatesGroup } from './commands/templates';
import { ticketsGroup } from './commands/tickets';
import { calledServiceOf, formatCallError } from './errors';

/** Every command group, in help order. */
export const GROUPS: readonly CommandGroup[] = [
  ticketsGroup,
  customersGroup,
  staffGroup,
  groupsGroup,
  templatesGroup,
  routingGroup,
  deliveriesGroup,
  notificationsGroup,
  jobsGroup,
  campaignsGroup,
];

/** Where the CLI writes and what environment it reads (the process's, or a test's). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C (main.ts): a streaming command stops and the CLI exits 0. */
  signal?: AbortSignal;
}

/** Exit codes: 0 ok, 1 the call failed (any gRPC status or connection error), 2 usage error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function findGroup(name: string | undefined): CommandGroup | undefined {
  return GROUPS.find((g) => g.name === name || g.aliases?.includes(name ?? ''));
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`;
    const notes = [o.required ? 'required' : '', o.multiple ? 'repeatable' : ''].filter(Boolean).join(', ');
    return [flag, `${o.description}${notes ? ` [${notes}]` : ''}`] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`);
}

/** `notifyctl --help`: groups and their commands, global flags, environment. */
export function mainHelp(): string {
  const lines = ['Usage: notifyctl <group> <command> [arguments] [flags]', '', 'Operator CLI for the Notify gRPC APIs.', '', 'Commands:'];
  const width = Math.max(...GROUPS.flatMap((g) => g.commands.map((c) => `${g.name} ${c.name}`.length)));
  for (const g of GROUPS) {
    lines.push('', `  ${g.name}: ${g.summary}`);
    for (const c of g.commands) lines.push(`    ${`${g.name} ${c.name}`.padEnd(width)}  ${c.summary}`);
  }
  lines.push('', 'Global flags:', ...optionLines(GLOBAL_OPTIONS));
  lines.push(
    '',
    'Environment:',
    '  NOTIFY_API_KEY   API key (after --api-key)',
    '  TICKET_ADDR, CUSTOMER_ADDR, TEMPLATE_ADDR, SCHEDULER_ADDR, GATEWAY_ADDR',
    '                   host:port of each service (after --<service>-addr and --host)',
    "  STACK_INFO_FILE  the local stack's info file (default <NOTIFY_DATA_DIR>/stack.json): a running",
    '                   `npm start` / `npm run start:services` writes its addresses there and names its',
    '                   generated key file; its admin key is used when every address is the stack\'s',
    '  NOTIFY_DATA_DIR  the local stack\'s data folder (default .notify-data, from the current folder)',
    '',
    'Exit codes: 0 ok, 1 the call failed (`error: <GRPC_STATUS>: <message>` on stderr), 2 usage error.',
    "Run 'notifyctl <group> --help' for a group's commands and flags.",
  );
  return lines.join('\n') + '\n';
}

function usageOf(group: CommandGroup, c: CommandSpec): string {
  const pos = (c.positionals ?? []).map((p) => ((p.required ?? true) ? `<${p.name}>` : `[${p.name}]`)).join(' ');
  return `notifyctl ${group.name} ${c.name}${pos ? ` ${pos}` : ''} [flags]`;
}

/** `notifyctl <group> --help`: each command with its arguments and flags. */
export function groupHelp(group: CommandGroup): string {
  const lines = [`Usage: notifyctl ${group.name} <command> [arguments] [flags]`, '', group.summary];
  for (const c of group.commands) {
    lines.push('', `${usageOf(group, c)}`, `  ${c.summary}`);
    for (const p of c.positionals ?? []) lines.push(`  <${p.name}>  ${p.description}`);
    if (c.options && Object.keys(c.options).length) lines.push(...optionLines(c.options));
    for (const e of c.examples ?? []) lines.push(`  e.g. ${e}`);
  }
  lines.push('', "Global flags (--json, --api-key, --host, --<service>-addr, --timeout): see 'notifyctl --help'.");
  return lines.join('\n') + '\n';
}

/** `notifyctl <group> <command> --help`. */
export function commandHelp(group: CommandGroup, c: CommandSpec): string {
  const lines = [`Usage: ${usageOf(group, c)}`, '', c.summary];
  if (c.positionals?.length) lines.push('', 'Arguments:', ...c.positionals.map((p) => `  <${p.name}>  ${p.description}`));
  if (c.options && Object.keys(c.options).length) lines.push('', 'Flags:', ...optionLines(c.options));
  if (c.examples?.length) lines.push('', 'Example:', ...c.examples.map((e) => `  ${e}`));
  lines.push('', 'Global flags:', ...optionLines(GLOBAL_OPTIONS));
  return lines.join('\n') + '\n';
}

/**
 * Runs one command line (`argv` without node and script) and returns the exit code
 * ({@link EXIT}). Output: the command's table/record on stdout, or with `--json` the
 * response message as JSON (generated `toJSON`, 2-space indent). Errors: one line on
 * stderr, `error: <STATUS>: <details>` for a failed call (exit 1), `error: <message>`
 * plus a pointer to `--help` for a usage error (exit 2). Never throws.
 */
export async function runCli(argv: readonly string[], io: CliIo, now: Date = new Date()): Promise<number> {
  const { group: groupName, command: commandName, rest } = splitCommandLine(argv);
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  const usage = (message: string, hint: string): number => {
    io.stderr(`error: ${message}\n${hint}\n`);
    return EXIT.usage;
  };
  if (groupName === undefined || groupName === 'help') {
    if (wantsHelp || groupName === 'help' || argv.length === 0) {
      io.stdout(mainHelp());
      return argv.length === 0 ? EXIT.usage : EXIT.ok;
    }
    return usage('missing command', "Run 'notifyctl --help' for the commands.");
  }
  const group = findGroup(groupName);
  if (!group) return usage(`unknown command group "${groupName}"${didYouMean(groupName, GROUPS.map((g) => g.name))}`, "Run 'notifyctl --help' for the commands.");
  const command = group.commands.find((c) => c.name === commandName);
  if (!command) {
    if (commandName === undefined && wantsHelp) {
      io.stdout(groupHelp(group));
      return EXIT.ok;
    }
    const what = commandName === undefined ? `missing ${group.name} command` : `unknown ${group.name} command "${commandName}"${didYouMean(commandName, group.commands.map((c) => c.name))}`;
    return usage(`${what} (one of: ${group.commands.map((c) => c.name).join(', ')})`, `Run 'notifyctl ${group.name} --help' for its commands.`);
  }
  let clients: Clients | undefined;
  try {
    const args = parseCommandLine(rest, command.options ?? {}, command.positionals ?? []);
    if (args.flag('help')) {
      io.stdout(commandHelp(group, command));
      return EXIT.ok;
    }
    clients = new Clients(resolveConnection(args, io.env));
    const json = args.flag('json');
    const emit = (item: { json: unknown; text: string }) => io.stdout(json ? `${JSON.stringify(item.json)}\n` : item.text);
    const out = await command.run({ args, clients, now, emit, signal: io.signal ?? new AbortController().signal });
    if (json) {
      if (out.json !== undefined) io.stdout(JSON.stringify(out.json, null, 2) + '\n');
    } else {
      io.stdout(out.text);
    }
    // Notes go to stderr with --json too: stdout stays the JSON a script parses, and the warning
    // (nobody was offered the job, nobody was reached) is not lost (QA).
    if (out.note) io.stderr(out.note + '\n');
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message, `Usage: ${usageOf(group, command)}  (see 'notifyctl ${group.name} ${command.name} --help')`);
    const service = calledServiceOf(err) ?? command.service;
    io.stderr(formatCallError(err, service, clients?.connection.addresses[service], clients?.connection.unavailableHint) + '\n');
    return EXIT.failed;
  } finally {
    clients?.close();
  }
}

/**
 * ` — did you mean X?` for a mistyped name: the names it begins (`prefs` → preferences), or within
 * two edits of it (`tikets` → tickets); '' when none is close (QA: `customers prefs`).
 */
export function didYouMean(name: string, names: readonly string[]): string {
  const typed = name.toLowerCase();
  const close = names.filter((n) => (typed.length >= 3 && n.startsWith(typed.slice(0, Math.max(3, typed.length - 1)))) || leven(typed, n) <= 2);
  return close.length > 0 ? ` — did you mean ${close.slice(0, 3).join(' or ')}?` : '';
}
