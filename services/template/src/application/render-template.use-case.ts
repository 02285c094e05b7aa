import { NotFoundError } from '@notify/errors';
import { Channel, DEFAULT_LOCALE, Locale, TemplateRef, parseTemplateRef, templateRefToString } from '../domain/template-ref';
import { TemplateVariables, parseTemplateVariables } from '../domain/template-variables';
import { TemplateVersion } from '../domain/template-version';
import { TemplateRepository } from './ports/template.repository';
import { RenderedText, TemplateRenderer } from './rendering/template-renderer';
import { loadVersion, parseVersionNumber } from './template-lookup';

export interface RenderTemplateInput {
  readonly key: string;
  readonly channel: string;
  /** The recipient's locale: `id` (default when empty) or `en`. */
  readonly locale?: string;
  /** Values for the template's variables (JSON-like object). */
  readonly variables?: unknown;
  /** Render exactly this version (no locale fallback then); undefined or 0 = the active version. */
  readonly version?: number;
}

/** A rendered message: RenderedText plus which template version produced it. */
export interface RenderResult extends RenderedText {
  readonly key: string;
  readonly channel: Channel;
  /** The locale of the template used (`id` when `en` was asked for and has no template). */
  readonly locale: Locale;
  /** The locale asked for. */
  readonly requestedLocale: Locale;
  /** The version rendered (the active one unless the input named one). */
  readonly version: number;
}

/**
 * The repository reads a render needs: the repository itself (RenderTemplate), or
 * BatchRenderTemplates' per-call memo over it (one query per distinct template).
 */
export type TemplateReads = Pick<TemplateRepository, 'findActive' | 'findHead' | 'findVersion'>;

/** A render request checked and normalised by {@link prepareRender}, before its template is read. */
export interface PreparedRender {
  readonly ref: TemplateRef;
  readonly variables: TemplateVariables;
  /** undefined = the active version (with the locale fallback). */
  readonly version: number | undefined;
}

/**
 * Step 1 of a render: checks the input (no I/O). Throws ValidationError on key / channel /
 * locale, on `variables` that are not a JSON-like object, and on a negative or fractional
 * version, in that order.
 */
export function prepareRender(input: RenderTemplateInput): PreparedRender {
  const ref = parseTemplateRef(input);
  const variables = parseTemplateVariables(input.variables, 'variables');
  return { ref, variables, version: parseVersionNumber(input.version) };
}

/**
 * Step 2: the version to render. With `version`: exactly that one (NotFoundError('template')
 * or NotFoundError('template version', 'key/CHANNEL/locale@n')). Without: the active version
 * of the requested locale, else of the default locale `id`; NotFoundError('template',
 * 'key/CHANNEL/locale') when neither exists.
 */
export async function findRenderVersion(reads: TemplateReads, prepared: PreparedRender): Promise<TemplateVersion> {
  const { ref } = prepared;
  if (prepared.version !== undefined) return (await loadVersion(reads, ref, prepared.version)).version;
  const exact = await reads.findActive(ref);
  if (exact) return exact;
  if (ref.locale !== DEFAULT_LOCALE) {
    const fallback = await reads.findActive({ ...ref, locale: DEFAULT_LOCALE });
    if (fallback) return fallback;
  }
  throw new NotFoundError('template', templateRefToString(ref));
}

/**
 * Step 3: renders `version` with the prepared variables (no I/O). Throws ValidationError on
 * `variables`: MissingVariablesError naming every missing variable, or a value a filter cannot
 * read (with line and column).
 */
export function renderPrepared(renderer: TemplateRenderer, version: TemplateVersion, prepared: PreparedRender): RenderResult {
  return toRenderResult(version, prepared.ref.locale, renderer.render(version, prepared.variables));
}

/**
 * RenderTemplate: renders the active version of (key, channel, locale) with `variables`, or
 * exactly `version` when the input names one.
 *
 * Locale fallback (active version only): when the requested locale has no template, the
 * default locale `id` is used (`locale` in the result says so). Every seeded key exists in
 * `id`; a recipient who prefers English still gets the Indonesian message rather than none.
 * There is no fallback from `id` to `en` and none across channels (the gateway chooses the
 * channel).
 *
 * Errors (ValidationError → INVALID_ARGUMENT): key/channel/locale; `variables` not a
 * JSON-like object; a bad version number; MissingVariablesError naming every missing variable;
 * a value a filter cannot read (with line and column). NotFoundError('template',
 * 'key/CHANNEL/locale') when neither the requested nor the default locale has the template;
 * NotFoundError('template version', …) for an unknown `version`.
 * BatchRenderTemplates runs the same three steps (prepareRender, findRenderVersion,
 * renderPrepared) per item.
 */
export class RenderTemplate {
  constructor(
    private readonly repository: TemplateRepository,
    private readonly renderer: TemplateRenderer,
  ) {}

  async execute(input: RenderTemplateInput): Promise<RenderResult> {
    const prepared = prepareRender(input);
    const version = await findRenderVersion(this.repository, prepared);
    return renderPrepared(this.renderer, version, prepared);
  }
}

export function toRenderResult(version: TemplateVersion, requestedLocale: Locale, rendered: RenderedText): RenderResult {
  return {
    ...rendered,
    key: version.key,
    channel: version.channel,
    locale: version.locale,
    requestedLocale,
    version: version.version,
  };
}
