import { parseTemplateRef } from '../domain/template-ref';
import { TemplateHead, TemplateVersion } from '../domain/template-version';
import { TemplateRepository } from './ports/template.repository';
import { TemplateRenderer } from './rendering/template-renderer';
import { loadVersion, parseVersionNumber } from './template-lookup';

export interface GetTemplateInput {
  readonly key: string;
  readonly channel: string;
  /** `id` (default when empty) or `en`; exact, no fallback. */
  readonly locale?: string;
  /** A version number; undefined or 0 for the active version. */
  readonly version?: number;
}

export interface GetTemplateResult {
  readonly version: TemplateVersion;
  readonly head: TemplateHead;
  /** True when `version` is the active one. */
  readonly active: boolean;
  /** Top-level variables the body refers to (static analysis). */
  readonly variables: readonly string[];
}

/**
 * GetTemplate: one version (the active one unless `version` is given) of (key, channel,
 * locale). Errors: ValidationError on key/channel/locale/version; NotFoundError when the
 * template or the version does not exist.
 */
export class GetTemplate {
  constructor(
    private readonly repository: TemplateRepository,
    private readonly renderer: TemplateRenderer,
  ) {}

  async execute(input: GetTemplateInput): Promise<GetTemplateResult> {
    const ref = parseTemplateRef(input);
    const { head, version } = await loadVersion(this.repository, ref, parseVersionNumber(input.version));
    return {
      version,
      head,
      active: version.version === head.activeVersion,
      variables: this.renderer.compiled(version).variables,
    };
  }
}
