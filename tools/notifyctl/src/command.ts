import type { ServiceName } from '@notify/config';
import type { OptionSpec, ParsedArgs, PositionalSpec } from './args';
import type { Clients } from './clients';

/** What a command prints: `text` by default, `json` (already proto3-JSON) with `--json`. */
export interface CommandOutput {
  /** The response message as JSON (the generated `toJSON`); undefined = nothing more to print (a command that streamed its output). */
  json: unknown;
  /** Human-readable table or record, ending with a newline. */
  text: string;
  /** A line for stderr in text mode (e.g. render metadata), so stdout stays the data. */
  note?: string;
}

/** What a command's `run` gets. */
export interface CommandContext {
  args: ParsedArgs;
  clients: Clients;
  /** The time the command started (relative times like `24h` count back from it). */
  now: Date;
  /**
   * Prints one item of a streaming command at once (`deliveries watch`): its `text` line, or with
   * `--json` its JSON on one line (NDJSON).
   */
  emit(item: { json: unknown; text: string }): void;
  /** Aborted when the user stops the CLI (Ctrl-C): a streaming command ends cleanly. */
  signal: AbortSignal;
}

/** One `notifyctl <group> <name>` command. */
export interface CommandSpec {
  name: string;
  /** One line for help. */
  summary: string;
  /** The service it calls (named in UNAVAILABLE / UNIMPLEMENTED errors). */
  service: ServiceName;
  positionals?: readonly PositionalSpec[];
  options?: Readonly<Record<string, OptionSpec>>;
  /** Extra help lines (examples). */
  examples?: readonly string[];
  /** Calls the service; rejects with the call's error (mapped by the CLI) or a UsageError. */
  run(ctx: CommandContext): Promise<CommandOutput>;
}

/** A group of commands (`tickets`, `customers`, …). */
export interface CommandGroup {
  name: string;
  /** Other names accepted for the group (`ticket` for `tickets`). */
  aliases?: readonly string[];
  summary: string;
  commands: readonly CommandSpec[];
}
