import leven from 'leven';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { callUnary } from '@notify/grpc-kit';
import { commonv1, templatev1 } from '@notify/proto';
import { UsageError, enumLabel, parseIntFlag, parseJsonObject, parseVariables, type OptionSpec, type ParsedArgs } from '../args';
import type { Clients } from '../clients';
import type { CommandGroup, CommandSpec } from '../command';
import { AnnotatedCallError, callFailureOf } from '../errors';
import { PAGE_OPTIONS, actorLabel, channelLabel, channelOf, formatTime, localeLabel, localeOf, nextPageHint, pageRequest } from '../format';
import { formatRecord, formatTable } from '../table';

const ADDRESS: Readonly<Record<string, OptionSpec>> = {
  channel: { type: 'string', required: true, valueName: 'whatsapp|sms', description: 'the template channel' },
  locale: { type: 'string', valueName: 'id|en', description: 'locale (default id)' },
  version: { type: 'string', valueName: 'n', description: 'a stored version (default: the active one)' },
};

const VARIABLES: Readonly<Record<string, OptionSpec>> = {
  var: { type: 'string', multiple: true, valueName: 'key=value', description: 'a variable (repeatable); the value is a string' },
  vars: { type: 'string', valueName: 'json', description: 'variables as a JSON object (numbers, booleans); --var wins' },
};

function version(args: ParsedArgs): number {
  const v = args.string('version');
  return v === undefined ? 0 : parseIntFlag('version', v, 1, 2_147_483_647);
}

/** The channels a key's templates are on, each once, in enum order (WhatsApp first), UNSPECIFIED left out. */
function distinctChannels(channels: readonly commonv1.Channel[]): commonv1.Channel[] {
  return [...new Set(channels)].filter((c) => c !== commonv1.Channel.CHANNEL_UNSPECIFIED).sort((a, b) => a - b);
}

/** `--channel` of `edit` / `versions` / `activate`: optional when the key has versions on one channel only (channelToChange). */
const CHANGE_CHANNEL: OptionSpec = {
  type: 'string',
  valueName: 'whatsapp|sms',
  description: "the template channel (default: the key's only channel; required when it has both, or none yet)",
};

/**
 * The channel `edit` / `versions` / `activate` act on: `--channel`, else the only channel the key
 * has versions on (QA: required even for a WhatsApp-only key). Unlike render, a key with both or
 * with none yet (a new template) is a UsageError asking for `--channel`: a change must not guess.
 */
async function channelToChange(args: ParsedArgs, clients: Clients, key: string): Promise<commonv1.Channel> {
  const given = channelOf(args);
  if (given !== commonv1.Channel.CHANNEL_UNSPECIFIED) return given;
  const distinct = distinctChannels(await templateKeyChannels(clients, key));
  if (distinct.length === 1) return distinct[0]!;
  if (distinct.length === 0) throw new UsageError(`missing required flag --channel: ${key} has no version yet (a new template needs its channel)`);
  throw new UsageError(`missing required flag --channel: ${key} has ${distinct.map(channelLabel).join(' and ')} versions (--channel whatsapp or --channel sms)`);
}

/**
 * What to do about a refused `templates edit`, in the CLI's terms (QA: the service's message names
 * its proto field): a variable the events do not carry → the flag that stores it anyway; a
 * missing sample → the --samples that gives it. undefined for other errors.
 */
export function editHint(err: unknown): string | undefined {
  const message = err instanceof Error ? err.message : '';
  if (/set allow_unsupplied_variables/.test(message)) return 'notifyctl: --allow-unsupplied-variables stores it anyway';
  const missing = /sample_variables: missing variables?: ([\w., ]+)/.exec(message);
  if (missing) {
    const names = missing[1]!.split(',').map((n) => n.trim().split('.')[0]!).filter(Boolean);
    return `give a sample of each with --samples '{${[...new Set(names)].map((n) => `"${n}": "…"`).join(', ')}}'`;
  }
  return undefined;
}

/** `--channel` of `render` / `preview`: optional there (templateChannel). */
const OPTIONAL_CHANNEL: OptionSpec = {
  type: 'string',
  valueName: 'whatsapp|sms',
  description: 'the template channel (default: the key\'s only channel; WhatsApp when it has both)',
};

/**
 * The channel to render `key` on when `--channel` is not given (QA: it was required even for a
 * key with a WhatsApp version only): the only channel the key has a version on (in any locale),
 * or WhatsApp, the primary channel, when it has both — with a note saying so. `channels` are
 * those of the key's templates (ListTemplates). A key with none is `error: NOT_FOUND` (exit 1).
 */
export function defaultChannel(key: string, channels: readonly commonv1.Channel[], verb = 'rendered'): { channel: commonv1.Channel; note?: string } {
  const distinct = distinctChannels(channels);
  if (distinct.length === 0) {
    const message = `template ${key} not found (no version on any channel)`;
    throw Object.assign(new Error(message), { code: grpc.status.NOT_FOUND, details: message });
  }
  if (distinct.length === 1) return { channel: distinct[0]! };
  const channel = distinct.includes(commonv1.Channel.CHANNEL_WHATSAPP) ? commonv1.Channel.CHANNEL_WHATSAPP : distinct[0]!;
  const others = distinct.filter((c) => c !== channel).map((c) => channelLabel(c).toLowerCase());
  return { channel, note: `note: ${key} has ${distinct.map(channelLabel).join(' and ')} versions: ${verb} the ${channelLabel(channel)} one (--channel ${others.join(' / ')} for the other)` };
}

/** The channels `key` has an active version on, in any locale (ListTemplates); empty for an unknown key. */
export async function templateKeyChannels(clients: Clients, key: string): Promise<commonv1.Channel[]> {
  // Keys starting with `key`, ordered by key: the key itself comes first.
  const res = await callUnary(clients.template, 'listTemplates', {
    keyPrefix: key,
    channel: commonv1.Channel.CHANNEL_UNSPECIFIED,
    locale: commonv1.Locale.LOCALE_UNSPECIFIED,
    page: { pageSize: 500, pageToken: '' },
  });
  return res.templates.filter((t) => t.key === key).map((t) => t.channel);
}

/** The channel of `render` / `preview`: `--channel`, else defaultChannel of the key's templates. */
async function templateChannel(args: ParsedArgs, clients: Clients, key: string, verb = 'rendered'): Promise<{ channel: commonv1.Channel; note?: string }> {
  const given = channelOf(args);
  if (given !== commonv1.Channel.CHANNEL_UNSPECIFIED) return { channel: given };
  return defaultChannel(key, await templateKeyChannels(clients, key), verb);
}

/**
 * The samples `templates edit --samples` sends: the given ones merged over `latest` (the latest
 * stored version's samples), so `--samples` needs only the variables the new text adds (QA: the
 * given object replaced them all, and the service refused the edit for a missing old variable).
 * A given key replaces that sample.
 */
export function mergeSamples(latest: Record<string, unknown> | undefined, given: Record<string, unknown>): Record<string, unknown> {
  return { ...(latest ?? {}), ...given };
}

/** The latest stored version's samples of (key, channel, locale); undefined for a new template (NOT_FOUND). */
async function latestSamples(clients: Clients, key: string, channel: commonv1.Channel, locale: commonv1.Locale): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await callUnary(clients.template, 'listTemplateVersions', { key, channel, locale, page: { pageSize: 1, pageToken: '' } });
    return res.versions[0]?.sampleVariables;
  } catch (err) {
    if (callFailureOf(err)?.status === 'NOT_FOUND') return undefined;
    throw err;
  }
}

/** The stderr line after a render: version, locale, length and SMS encoding / segments. */
function renderNote(r: { version: number; locale: number; length: number; encoding: number; segments: number }): string {
  const sms = r.encoding ? `, ${enumLabel(templatev1.SmsEncoding, 'SMS_ENCODING_', r.encoding)}, ${r.segments} segment${r.segments === 1 ? '' : 's'}` : '';
  return `(version ${r.version}, locale ${localeLabel(r.locale)}, ${r.length} characters${sms})`;
}

const list: CommandSpec = {
  name: 'list',
  summary: 'list templates (active versions)',
  service: 'template',
  options: {
    prefix: { type: 'string', valueName: 'key', description: 'keys starting with this, e.g. ticket.created' },
    channel: { type: 'string', valueName: 'whatsapp|sms', description: 'only this channel' },
    locale: { type: 'string', valueName: 'id|en', description: 'only this locale' },
    ...PAGE_OPTIONS,
  },
  async run({ args, clients }) {
    const res = await callUnary(clients.template, 'listTemplates', {
      keyPrefix: args.string('prefix') ?? '',
      channel: channelOf(args),
      locale: localeOf(args),
      page: pageRequest(args),
    });
    const text = formatTable(
      [{ header: 'KEY' }, { header: 'CHANNEL' }, { header: 'LOCALE' }, { header: 'VERSION', align: 'right' }, { header: 'VARIABLES', maxWidth: 60 }],
      res.templates.map((t) => [t.key, channelLabel(t.channel), localeLabel(t.locale), String(t.version), t.variables.join(' ')]),
    );
    return { json: templatev1.ListTemplatesResponse.toJSON(res), text: text + nextPageHint(res.nextPageToken) };
  },
};

const get: CommandSpec = {
  name: 'get',
  summary: 'show one template (body, variables, samples)',
  service: 'template',
  positionals: [{ name: 'key', description: 'template key, e.g. ticket.created.disturbance' }],
  options: { ...ADDRESS, channel: OPTIONAL_CHANNEL },
  async run({ args, clients }) {
    const key = args.positional(0);
    const request = { key, locale: localeOf(args), version: version(args) };
    // As render / preview: no --channel = the key's only channel, WhatsApp when it has both (QA).
    const { channel, note } = await templateChannel(args, clients, key, 'showing');
    const res = await callUnary(clients.template, 'getTemplate', { ...request, channel });
    return { json: templatev1.GetTemplateResponse.toJSON(res), text: templateRecord(res.template), ...(note ? { note } : {}) };
  },
};

/** One template version as a `Label: value` record ('' for none). */
function templateRecord(t: templatev1.Template | undefined): string {
  if (!t) return '';
  return formatRecord([
    ['Key', t.key],
    ['Channel', channelLabel(t.channel)],
    ['Locale', localeLabel(t.locale)],
    ['Version', `${t.version}${t.active ? ' (active)' : ''}`],
    ['Description', t.description],
    ['Variables', t.variables.join(' ')],
    ['Samples', t.sampleVariables ? JSON.stringify(t.sampleVariables) : ''],
    ['Created', `${formatTime(t.createdAt)}${t.createdBy ? ` by ${actorLabel(t.createdBy)}` : ''}`],
    ['Body', t.body],
  ]);
}

/** The text of `--body` or `--body-file` (exactly one); UsageError otherwise. */
function bodyOf(args: ParsedArgs): string {
  const inline = args.raw('body').at(-1);
  const file = args.string('body-file');
  if ((inline === undefined) === (file === undefined)) throw new UsageError('give the new text with exactly one of --body or --body-file');
  if (file === undefined) return inline!;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new UsageError(`--body-file: cannot read ${file}: ${(err as Error).message}`);
  }
}


const edit: CommandSpec = {
  name: 'edit',
  summary: 'store a new version of a template (active at once unless --inactive); a new key creates the template',
  service: 'template',
  positionals: [{ name: 'key', description: 'template key, e.g. ticket.created.disturbance' }],
  options: {
    channel: CHANGE_CHANNEL,
    locale: ADDRESS['locale']!,
    body: { type: 'string', valueName: 'liquid', description: 'the new text (Liquid), e.g. "Halo {{ customer_name }}"' },
    'body-file': { type: 'string', valueName: 'path', description: 'read the new text from a file (one trailing newline dropped)' },
    description: { type: 'string', valueName: 'text', description: 'what it is for (default: the latest version\'s)' },
    samples: { type: 'string', valueName: 'json', description: 'sample variables as a JSON object, merged over the latest version\'s (give only those the new text adds, or ones to change)' },
    inactive: { type: 'boolean', description: 'store the version without activating it (activate it later with templates activate)' },
    'allow-unsupplied-variables': {
      type: 'boolean',
      description: 'store a text that uses variables the events rendering this template do not carry (only for messages sent with notify --var)',
    },
  },
  async run({ args, clients }) {
    const key = args.positional(0);
    // UpsertTemplate requires a locale: the flag's default (id) is sent, as the other commands mean it.
    const locale = localeOf(args) || commonv1.Locale.LOCALE_ID;
    const body = bodyOf(args);
    const newKeyNote = await newTemplateKeyNote(clients, key);
    const samplesFlag = args.string('samples');
    const given = samplesFlag === undefined ? undefined : parseJsonObject('samples', samplesFlag, '{"customer_name":"Budi"}');
    // After the flags are checked (a usage error calls nothing): the channel, when not given, and
    // the latest version's samples to merge into.
    const channel = await channelToChange(args, clients, key);
    const samples = given === undefined ? undefined : mergeSamples(await latestSamples(clients, key, channel, locale), given);
    const res = await callUnary(clients.template, 'upsertTemplate', {
      key,
      channel,
      locale,
      body,
      description: args.string('description') ?? '',
      sampleVariables: samples,
      keepActiveVersion: args.flag('inactive'),
      allowUnsuppliedVariables: args.flag('allow-unsupplied-variables'),
    }).catch((err: unknown) => {
      const hint = editHint(err);
      throw hint ? new AnnotatedCallError(err, hint) : err;
    });
    const t = res.template;
    const versionNote = t ? `(version ${t.version}${t.active ? ', active: messages use it from now on' : ', not active: templates activate ' + t.key + ' --version ' + t.version + ' to use it'})` : undefined;
    const note = [versionNote, newKeyNote].filter(Boolean).join('\n');
    return { json: templatev1.UpsertTemplateResponse.toJSON(res), text: templateRecord(t), ...(note ? { note } : {}) };
  },
};

/**
 * The note of `templates edit` for a key no template has yet (QA: `payment.remider` created a
 * template nothing sends, without a word): a new key is used only where a routing rule or a
 * Notify names it, and the stored keys closest to it (edit distance at most 2, `leven`) are
 * offered. undefined for a key that exists, or when the keys cannot be listed.
 */
export async function newTemplateKeyNote(clients: Clients, key: string): Promise<string | undefined> {
  try {
    const keys = new Set<string>();
    let pageToken = '';
    do {
      const res = await callUnary(clients.template, 'listTemplates', {
        keyPrefix: '', channel: commonv1.Channel.CHANNEL_UNSPECIFIED, locale: commonv1.Locale.LOCALE_UNSPECIFIED, page: { pageSize: 500, pageToken },
      });
      for (const t of res.templates) keys.add(t.key);
      pageToken = res.nextPageToken;
    } while (pageToken);
    if (keys.has(key)) return undefined;
    const close = [...keys].map((k) => [k, leven(k, key)] as const).filter(([, d]) => d <= 2).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).map(([k]) => k);
    return `note: ${key} is a new template key: nothing sends it until a routing rule (notifyctl routing set --template ${key}) or a notify names it` +
      (close.length > 0 ? `; did you mean ${close.slice(0, 3).join(' or ')}?` : '');
  } catch {
    return undefined;
  }
}

const versions: CommandSpec = {
  name: 'versions',
  summary: 'list the stored versions of a template, newest first',
  service: 'template',
  positionals: [{ name: 'key', description: 'template key' }],
  options: { channel: CHANGE_CHANNEL, locale: ADDRESS['locale']!, ...PAGE_OPTIONS },
  async run({ args, clients }) {
    const locale = localeOf(args);
    const page = pageRequest(args);
    const res = await callUnary(clients.template, 'listTemplateVersions', {
      key: args.positional(0),
      channel: await channelToChange(args, clients, args.positional(0)),
      locale,
      page,
    });
    const text = formatTable(
      [{ header: 'VERSION', align: 'right' }, { header: 'ACTIVE' }, { header: 'CREATED' }, { header: 'BY' }, { header: 'FIRST LINE', maxWidth: 50 }],
      res.versions.map((t) => [String(t.version), t.active ? 'yes' : '', formatTime(t.createdAt), actorLabel(t.createdBy), t.body.split('\n', 1)[0] ?? '']),
    );
    return { json: templatev1.ListTemplateVersionsResponse.toJSON(res), text: text + nextPageHint(res.nextPageToken) };
  },
};

const activate: CommandSpec = {
  name: 'activate',
  summary: 'make a stored version the active one (e.g. roll back an edit)',
  service: 'template',
  positionals: [{ name: 'key', description: 'template key' }],
  options: {
    channel: CHANGE_CHANNEL,
    locale: ADDRESS['locale']!,
    version: { type: 'string', required: true, valueName: 'n', description: 'the version to activate' },
  },
  async run({ args, clients }) {
    const locale = localeOf(args);
    const v = version(args);
    const res = await callUnary(clients.template, 'activateTemplateVersion', {
      key: args.positional(0),
      channel: await channelToChange(args, clients, args.positional(0)),
      locale,
      version: v,
    });
    return { json: templatev1.ActivateTemplateVersionResponse.toJSON(res), text: templateRecord(res.template) };
  },
};

const render: CommandSpec = {
  name: 'render',
  summary: 'render a stored template with variables (prints the message text)',
  service: 'template',
  positionals: [{ name: 'key', description: 'template key' }],
  options: { ...ADDRESS, channel: OPTIONAL_CHANNEL, ...VARIABLES },
  examples: [
    'notifyctl templates render ticket.assigned.disturbance --channel sms --locale en \\',
    '  --var customer_name="John Doe" --var ticket_number=TKT-2024-001 --var technician_name="Jane Doe" --var technician_phone=254798765432',
  ],
  async run({ args, clients }) {
    const key = args.positional(0);
    const request = { key, locale: localeOf(args), variables: parseVariables(args.raw('var'), args.string('vars')), version: version(args) };
    const { channel, note } = await templateChannel(args, clients, key);
    const res = await callUnary(clients.template, 'renderTemplate', { ...request, channel });
    const unused = await unusedVariablesNote(clients, { key, channel, locale: res.locale, version: res.version }, Object.keys(request.variables ?? {}));
    return { json: templatev1.RenderTemplateResponse.toJSON(res), text: `${res.text}\n`, note: [note, renderNote(res), unused].filter(Boolean).join('\n') };
  },
};

/**
 * The note for `--var` names the template version does not use (QA: `--var technician_nmae=…`
 * vanished without a word; a misspelt optional variable leaves its line out): `note: --var
 * technician_nmae is not used by ticket.assigned.disturbance v1 (it uses customer_name, …)`.
 * Best effort: undefined when every name is used, none was given, or the template cannot be read.
 */
export async function unusedVariablesNote(
  /** `version` 0: the active one. */
  clients: Clients, t: { key: string; channel: commonv1.Channel; locale: commonv1.Locale; version: number }, given: readonly string[],
): Promise<string | undefined> {
  if (given.length === 0) return undefined;
  try {
    const res = await callUnary(clients.template, 'getTemplate', { key: t.key, channel: t.channel, locale: t.locale, version: t.version });
    const uses = res.template?.variables ?? [];
    const unused = given.filter((name) => !uses.includes(name));
    if (unused.length === 0) return undefined;
    return `note: --var ${unused.join(', ')} ${unused.length === 1 ? 'is' : 'are'} not used by ${t.key} v${res.template?.version ?? t.version} (it uses ${uses.length > 0 ? uses.join(', ') : 'no variables'})`;
  } catch {
    return undefined;
  }
}

const preview: CommandSpec = {
  name: 'preview',
  summary: 'render a template (or an unsaved draft body) with its sample variables',
  service: 'template',
  positionals: [{ name: 'key', description: 'template key' }],
  options: {
    ...ADDRESS,
    channel: OPTIONAL_CHANNEL,
    ...VARIABLES,
    draft: { type: 'string', valueName: 'body', description: 'an unsaved Liquid body to render instead of the stored one' },
    'draft-file': { type: 'string', valueName: 'path', description: 'read the draft body from a file' },
  },
  async run({ args, clients }) {
    const file = args.string('draft-file');
    let draftBody = args.raw('draft').at(-1) ?? '';
    if (file !== undefined) {
      try {
        draftBody = readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`--draft-file: cannot read ${file}: ${(err as Error).message}`);
      }
    }
    const vars = parseVariables(args.raw('var'), args.string('vars'));
    const key = args.positional(0);
    const request = { key, locale: localeOf(args), version: version(args), draftBody, variables: Object.keys(vars).length ? vars : undefined };
    const { channel, note } = await templateChannel(args, clients, key);
    const res = await callUnary(clients.template, 'previewTemplate', { ...request, channel });
    return { json: templatev1.PreviewTemplateResponse.toJSON(res), text: `${res.text}\n`, note: [note, renderNote(res)].filter(Boolean).join('\n') };
  },
};

/** `notifyctl templates …`. */
export const templatesGroup: CommandGroup = {
  name: 'templates',
  aliases: ['template'],
  summary: 'list, show, render, preview and edit message templates, and roll back to a version (template service)',
  commands: [list, get, render, preview, edit, versions, activate],
};
