import { parseTemplateRef } from '../domain/template-ref';
import { parseTemplateVariables } from '../domain/template-variables';
import { TemplateRepository } from './ports/template.repository';
import { TemplateRenderer } from './rendering/template-renderer';
import { RenderResult, toRenderResult } from './render-template.use-case';
import { loadVersion, parseVersionNumber } from './template-lookup';

export interface PreviewTemplateInput {
  readonly key: string;
  readonly channel: string;
  /** Exact locale (no fallback): `id` (default when empty) or `en`. */
  readonly locale?: string;
  /** A version number; undefined or 0 for the active version. */
  readonly version?: number;
  /** Values that replace sample variables of the same name (top level). */
  readonly overrides?: unknown;
}

/**
 * PreviewTemplate: renders a version (the active one unless `version` is given) with its
 * sample variables, some of them optionally replaced by `overrides`. Errors: ValidationError
 * on key/channel/locale/version/overrides, and the render errors of RenderTemplate reported
 * on `sample_variables`; NotFoundError for an unknown template or version (exact locale, no
 * fallback).
 */
export class PreviewTemplate {
  constructor(
    private readonly repository: TemplateRepository,
    private readonly renderer: TemplateRenderer,
  ) {}

  async execute(input: PreviewTemplateInput): Promise<RenderResult> {
    const ref = parseTemplateRef(input);
    const overrides = parseTemplateVariables(input.overrides, 'overrides');
    const { version } = await loadVersion(this.repository, ref, parseVersionNumber(input.version));
    const variables = { ...version.sampleVariables, ...overrides };
    return toRenderResult(version, ref.locale, this.renderer.render(version, variables, 'sample_variables'));
  }
}
