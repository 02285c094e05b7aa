import { readFileSync } from 'node:fs';
import { callUnary } from '@notify/grpc-kit';
import { templatev1 } from '@notify/proto';
import { UsageError, enumLabel, parseIntFlag, parseVariables, type OptionSpec, type ParsedArgs } from '../args';
import type { CommandGroup, CommandSpec } from '../command';
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

function requiredChannel(args: ParsedArgs): number {
  const c = channelOf(args);
  if (c === 0) throw new UsageError('missing required flag --channel');
  return c;
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
  options: ADDRESS,
  async run({ args, clients }) {
    const res = await callUnary(clients.template, 'getTemplate', {
      key: args.positional(0),
      channel: requiredChannel(args),
      locale: localeOf(args),
      version: version(args),
    });
    const t = res.template;
    const text = t
      ? formatRecord([
          ['Key', t.key],
          ['Channel', channelLabel(t.channel)],
          ['Locale', localeLabel(t.locale)],
          ['Version', `${t.version}${t.active ? ' (active)' : ''}`],
          ['Description', t.description],
          ['Variables', t.variables.join(' ')],
          ['Samples', t.sampleVariables ? JSON.stringify(t.sampleVariables) : ''],
          ['Created', `${formatTime(t.createdAt)}${t.createdBy ? ` by ${actorLabel(t.createdBy)}` : ''}`],
          ['Body', t.body],
        ])
      : '';
    return { json: templatev1.GetTemplateResponse.toJSON(res), text };
  },
};

const render: CommandSpec = {
  name: 'render',
  summary: 'render a stored template with variables (prints the message text)',
  service: 'template',
  positionals: [{ name: 'key', description: 'template key' }],
  options: { ...ADDRESS, ...VARIABLES },
  examples: [
    'notifyctl templates render ticket.assigned.disturbance --channel sms --locale en \\',
    '  --var customer_name="John Doe" --var ticket_number=TKT-2024-001 --var technician_name="Jane Doe" --var technician_phone=254798765432',
  ],
  async run({ args, clients }) {
    const res = await callUnary(clients.template, 'renderTemplate', {
      key: args.positional(0),
      channel: requiredChannel(args),
      locale: localeOf(args),
      variables: parseVariables(args.raw('var'), args.string('vars')),
      version: version(args),
    });
    return { json: templatev1.RenderTemplateResponse.toJSON(res), text: `${res.text}\n`, note: renderNote(res) };
  },
};

const preview: CommandSpec = {
  name: 'preview',
  summary: 'render a template (or an unsaved draft body) with its sample variables',
  service: 'template',
  positionals: [{ name: 'key', description: 'template key' }],
  options: {
    ...ADDRESS,
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
    const res = await callUnary(clients.template, 'previewTemplate', {
      key: args.positional(0),
      channel: requiredChannel(args),
      locale: localeOf(args),
      version: version(args),
      draftBody,
      variables: Object.keys(vars).length ? vars : undefined,
    });
    return { json: templatev1.PreviewTemplateResponse.toJSON(res), text: `${res.text}\n`, note: renderNote(res) };
  },
};

/** `notifyctl templates …`. */
export const templatesGroup: CommandGroup = {
  name: 'templates',
  aliases: ['template'],
  summary: 'list, show, render and preview message templates (template service)',
  commands: [list, get, render, preview],
};
