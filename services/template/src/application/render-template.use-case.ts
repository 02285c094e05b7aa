import { NotFoundError } from '@notify/errors';
import { Channel, DEFAULT_LOCALE, Locale, TemplateRef, parseTemplateRef, templateRefToString } from '../domain/template-ref';
import { parseTemplateVariables } from '../domain/template-variables';
import { TemplateVersion } from '../domain/template-version';
import { TemplateRepository } from './ports/template.repository';
import { RenderedText, TemplateRenderer } from './rendering/template-renderer';

export interface RenderTemplateInput {
  readonly key: string;
  readonly channel: string;
  /** The recipient's locale: `id` (default when empty) or `en`. */
  readonly locale?: string;
  /** Values for the template's variables (JSON-like object). */
  readonly variables?: unknown;
}

/** A rendered message: RenderedText plus which template version produced it. */
export interface RenderResult extends RenderedText {
  readonly key: string;
  readonly channel: Channel;
  /** The locale of the template used (`id` when `en` was asked for and has no template). */
  readonly locale: Locale;
  /** The locale asked for. */
  readonly requestedLocale: Locale;
  /** The version rendered (the active one). */
  readonly version: number;
}

/**
 * RenderTemplate: renders the active version of (key, channel, locale) with `variables`.
 *
 * Locale fallback: when the requested locale has no template, the default locale `id` is
 * used (`locale` in the result says so). Every seeded key exists in `id`; a recipient who
 * prefers English still gets the Indonesian message rather than none. There is no fallback
 * from `id` to `en` and none across channels (the gateway chooses the channel).
 *
 * Errors (ValidationError → INVALID_ARGUMENT): key/channel/locale; `variables` not a
 * JSON-like object; MissingVariablesError naming every missing variable; a value a filter
 * cannot read (with line and column). NotFoundError('template', 'key/CHANNEL/locale') when
 * neither the requested nor the default locale has the template.
 */
export class RenderTemplate {
  constructor(
    private readonly repository: TemplateRepository,
    private readonly renderer: TemplateRenderer,
  ) {}

  async execute(input: RenderTemplateInput): Promise<RenderResult> {
    const ref = parseTemplateRef(input);
    const variables = parseTemplateVariables(input.variables, 'variables');
    const version = await this.findActiveWithFallback(ref);
    return toRenderResult(version, ref.locale, this.renderer.render(version, variables));
  }

  private async findActiveWithFallback(ref: TemplateRef): Promise<TemplateVersion> {
    const exact = await this.repository.findActive(ref);
    if (exact) return exact;
    if (ref.locale !== DEFAULT_LOCALE) {
      const fallback = await this.repository.findActive({ ...ref, locale: DEFAULT_LOCALE });
      if (fallback) return fallback;
    }
    throw new NotFoundError('template', templateRefToString(ref));
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
