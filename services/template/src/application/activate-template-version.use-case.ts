import { NotFoundError, ValidationError } from '@notify/errors';
import { parseTemplateRef, templateRefToString } from '../domain/template-ref';
import { TemplateHead, TemplateVersion, planActivation } from '../domain/template-version';
import { Clock, systemClock } from './ports/clock';
import { TemplateRepository } from './ports/template.repository';

export interface ActivateTemplateVersionInput {
  readonly key: string;
  readonly channel: string;
  readonly locale?: string;
  /** The version to make active (older than the active one = rollback). */
  readonly version: number;
  readonly actor: string;
}

export interface ActivateTemplateVersionResult {
  readonly head: TemplateHead;
  readonly version: TemplateVersion;
  /** False when the version was already active (nothing stored). */
  readonly changed: boolean;
}

/**
 * ActivateTemplateVersion: makes one existing version the active one; RenderTemplate uses it
 * from the next call on. Versions are never changed, so a rollback is only a pointer move and
 * can itself be undone by activating the newer version again.
 * Errors: ValidationError on key/channel/locale/`version` (positive whole number)/`activated_by`;
 * NotFoundError for an unknown template or version; ConflictError when a version was added
 * concurrently (retry).
 */
export class ActivateTemplateVersion {
  constructor(
    private readonly repository: TemplateRepository,
    private readonly clock: Clock = systemClock,
  ) {}

  async execute(input: ActivateTemplateVersionInput): Promise<ActivateTemplateVersionResult> {
    const ref = parseTemplateRef(input);
    if (!Number.isInteger(input.version) || input.version < 1) {
      throw new ValidationError('version', `must be a positive whole number, got ${input.version}`);
    }
    const head = await this.repository.findHead(ref);
    if (!head) throw new NotFoundError('template', templateRefToString(ref));
    const activation = planActivation(head, input.version, input.actor, this.clock.now());
    if (activation.changed) await this.repository.saveHead(activation.head);
    const version = await this.repository.findVersion(ref, input.version);
    if (!version) throw new NotFoundError('template version', `${templateRefToString(ref)}@${input.version}`);
    return { head: activation.head, version, changed: activation.changed };
  }
}
