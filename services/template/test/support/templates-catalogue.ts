import { DefaultTemplate, TemplateRenderer, TemplateVersion } from '../../src';

export const CATALOGUE_START = '<!-- catalogue:start (generated from src/seed/default-templates.ts; test/templates-doc.spec.ts checks it) -->';
export const CATALOGUE_END = '<!-- catalogue:end -->';

function asVersion(t: DefaultTemplate): TemplateVersion {
  return { ...t, version: 1, createdAt: new Date(0), createdBy: 'catalogue' };
}

/** Variables of a template, optional ones (the body renders without them) marked with `?`. */
function variablesOf(t: DefaultTemplate, renderer: TemplateRenderer): string[] {
  const version = asVersion(t);
  return renderer.compiled(version).variables.map((name) => {
    const without = Object.fromEntries(Object.entries(t.sampleVariables).filter(([k]) => k !== name));
    try {
      renderer.render(version, without);
      return `${name}?`;
    } catch {
      return name;
    }
  });
}

/**
 * The catalogue table of TEMPLATES.md: one row per (key, channel) in catalogue order, with
 * locales, source (seed file § section), fidelity per locale and variables; then the notes.
 */
export function templateCatalogue(defaults: readonly DefaultTemplate[]): string {
  const renderer = new TemplateRenderer();
  const rows: string[] = [
    '| key | channel | locales | source: seed § section | fidelity | variables (`?` optional) |',
    '|---|---|---|---|---|---|',
  ];
  const notes: string[] = [];
  const groups = new Map<string, DefaultTemplate[]>();
  const keys = [...new Set(defaults.map((t) => t.key))];
  for (const key of keys) {
    for (const channel of ['WHATSAPP', 'SMS']) {
      const group = defaults.filter((t) => t.key === key && t.channel === channel);
      if (group.length > 0) groups.set(`${key}|${channel}`, group);
    }
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    const locales = group.map((t) => t.locale).join(', ');
    const fidelities = [...new Set(group.map((t) => t.source.fidelity))];
    const fidelity =
      fidelities.length === 1 ? fidelities[0]! : group.map((t) => `${t.locale} ${t.source.fidelity}`).join(', ');
    const variables = [...new Set(group.flatMap((t) => variablesOf(t, renderer)))];
    rows.push(
      `| \`${first.key}\` | ${first.channel} | ${locales} | ${first.source.seed} § ${first.source.section} | ${fidelity} | ${variables
        .map((v) => `\`${v}\``)
        .join(' ')} |`,
    );
    for (const note of new Set(group.map((t) => t.source.note).filter((n): n is string => n !== undefined))) {
      notes.push(`- \`${first.key}\` ${first.channel}: ${note}`);
    }
  }
  return [CATALOGUE_START, '', ...rows, '', '### Notes on the sources', '', ...notes, '', CATALOGUE_END].join('\n');
}
