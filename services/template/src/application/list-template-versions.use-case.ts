import { NotFoundError } from '@notify/errors';
import { parseTemplateRef, templateRefToString } from '../domain/template-ref';
import { TemplateHead, TemplateVersion } from '../domain/template-version';
import { TemplateRepository } from './ports/template.repository';

export interface ListTemplateVersionsInput {
  readonly key: string;
  readonly channel: string;
  readonly locale?: string;
}

export interface TemplateHistory {
  readonly head: TemplateHead;
  /** Every version, oldest (1) first; `head.activeVersion` says which one is active. */
  readonly versions: TemplateVersion[];
}

/**
 * ListTemplateVersions: the history of one template. Errors: ValidationError on
 * key/channel/locale; NotFoundError('template') when it has no version.
 */
export class ListTemplateVersions {
  constructor(private readonly repository: TemplateRepository) {}

  async execute(input: ListTemplateVersionsInput): Promise<TemplateHistory> {
    const ref = parseTemplateRef(input);
    const head = await this.repository.findHead(ref);
    if (!head) throw new NotFoundError('template', templateRefToString(ref));
    return { head, versions: await this.repository.listVersions(ref) };
  }
}
