import { Channel, Locale, TemplateRef } from '../../domain/template-ref';
import { TemplateHead, TemplateVersion } from '../../domain/template-version';

/** Filter for TemplateRepository.listHeads; every given field must match. */
export interface TemplateListFilter {
  /** Keys starting with this text (`ticket.` lists every ticket template). */
  readonly keyPrefix?: string;
  readonly channel?: Channel;
  readonly locale?: Locale;
}

/**
 * Storage of templates: the immutable versions and, per (key, channel, locale), the head
 * (active and latest version numbers). Implementations: InMemoryTemplateRepository (tests,
 * application/in-memory-template.repository.ts); the TypeORM one comes with the persistence
 * step. The contract tests in services/template/test/template-repository.contract.ts pin the
 * behaviour both must have.
 */
export interface TemplateRepository {
  /** The head of a template, or undefined when it has no version yet. */
  findHead(ref: TemplateRef): Promise<TemplateHead | undefined>;

  /** Version `version` of a template, or undefined. */
  findVersion(ref: TemplateRef, version: number): Promise<TemplateVersion | undefined>;

  /** The active version (head.activeVersion), or undefined when the template does not exist. */
  findActive(ref: TemplateRef): Promise<TemplateVersion | undefined>;

  /** Every version of a template, oldest (1) first; [] when it does not exist. */
  listVersions(ref: TemplateRef): Promise<TemplateVersion[]>;

  /**
   * Heads of every template matching `filter`, ordered by key, then channel (SMS before
   * WHATSAPP), then locale.
   */
  listHeads(filter: TemplateListFilter): Promise<TemplateHead[]>;

  /**
   * Stores a new version and the head planned with it (domain `planNewVersion`), atomically.
   * `version.version` must be the stored latest + 1 (1 for a new template); otherwise another
   * writer got there first and it throws ConflictError (@notify/errors), storing nothing.
   */
  appendVersion(version: TemplateVersion, head: TemplateHead): Promise<void>;

  /**
   * Replaces the head after an activation (domain `planActivation`). Throws ConflictError
   * when the stored head's latestVersion is not `head.latestVersion` (a version was added in
   * between), and NotFoundError when the template does not exist.
   */
  saveHead(head: TemplateHead): Promise<void>;
}
