import { NotFoundError, ValidationError } from '@notify/errors';
import { TemplateRef, templateRefToString } from './template-ref';
import { TemplateVariables, canonicalJson, parseTemplateVariables } from './template-variables';

/** Longest accepted template body, in UTF-16 code units (Liquid source, not rendered text). */
export const BODY_MAX_LENGTH = 16_000;
export const DESCRIPTION_MAX_LENGTH = 500;
export const ACTOR_MAX_LENGTH = 200;

/**
 * One immutable version of a template. Versions are numbered 1, 2, 3… per TemplateRef in the
 * order they were created; a version is never changed or deleted.
 */
export interface TemplateVersion extends TemplateRef {
  /** 1-based, contiguous per template. */
  readonly version: number;
  /** Liquid source (liquidjs syntax, strict variables and filters). */
  readonly body: string;
  /** Values PreviewTemplate renders with; for seeded templates, the seed's example values. */
  readonly sampleVariables: TemplateVariables;
  readonly description: string;
  readonly createdAt: Date;
  /** Who created the version (API key name, user, or `seed`). */
  readonly createdBy: string;
}

/**
 * The mutable pointer of a template: which version is active (exactly one, from the first
 * version on) and which is the latest. Activating an older version is a rollback.
 */
export interface TemplateHead extends TemplateRef {
  readonly activeVersion: number;
  readonly latestVersion: number;
  readonly createdAt: Date;
  /** Time of the last new version or activation. */
  readonly updatedAt: Date;
  readonly activatedAt: Date;
  readonly activatedBy: string;
}

/** The content of a new version, as given by the caller. */
export interface TemplateDraft {
  readonly body: string;
  readonly sampleVariables?: unknown;
  readonly description?: string;
  readonly createdBy: string;
}

/** A validated draft: the sample variables are a frozen TemplateVariables copy. */
export interface ValidTemplateDraft {
  readonly body: string;
  readonly sampleVariables: TemplateVariables;
  readonly description: string;
  readonly createdBy: string;
}

/**
 * Checks the fields of a draft (the Liquid syntax is checked by the renderer, not here).
 * Throws ValidationError naming the field: `body` (blank or over BODY_MAX_LENGTH),
 * `description` (over DESCRIPTION_MAX_LENGTH), `created_by` (blank or too long),
 * `sample_variables` (not a JSON-like object).
 */
export function validateDraft(draft: TemplateDraft): ValidTemplateDraft {
  if (typeof draft.body !== 'string' || draft.body.trim() === '') {
    throw new ValidationError('body', 'is required');
  }
  if (draft.body.length > BODY_MAX_LENGTH) {
    throw new ValidationError('body', `must be at most ${BODY_MAX_LENGTH} characters`);
  }
  const description = draft.description ?? '';
  if (description.length > DESCRIPTION_MAX_LENGTH) {
    throw new ValidationError('description', `must be at most ${DESCRIPTION_MAX_LENGTH} characters`);
  }
  if (typeof draft.createdBy !== 'string' || draft.createdBy.trim() === '') {
    throw new ValidationError('created_by', 'is required');
  }
  if (draft.createdBy.length > ACTOR_MAX_LENGTH) {
    throw new ValidationError('created_by', `must be at most ${ACTOR_MAX_LENGTH} characters`);
  }
  return {
    body: draft.body,
    sampleVariables: parseTemplateVariables(draft.sampleVariables, 'sample_variables'),
    description,
    createdBy: draft.createdBy,
  };
}

/** True when `version` already holds exactly this content (body, samples, description). */
export function hasSameContent(version: TemplateVersion, draft: ValidTemplateDraft): boolean {
  return (
    version.body === draft.body &&
    version.description === draft.description &&
    canonicalJson(version.sampleVariables) === canonicalJson(draft.sampleVariables)
  );
}

/**
 * Plans the next version of a template. The first version of a template is always active
 * (a template always has exactly one active version); later versions become active only
 * when `activate` is true. Returns the new version and the head to store with it.
 */
export function planNewVersion(
  ref: TemplateRef,
  head: TemplateHead | undefined,
  draft: ValidTemplateDraft,
  now: Date,
  activate: boolean,
): { version: TemplateVersion; head: TemplateHead } {
  const number = head ? head.latestVersion + 1 : 1;
  const version: TemplateVersion = Object.freeze({
    key: ref.key,
    channel: ref.channel,
    locale: ref.locale,
    version: number,
    body: draft.body,
    sampleVariables: draft.sampleVariables,
    description: draft.description,
    createdAt: now,
    createdBy: draft.createdBy,
  });
  const becomesActive = !head || activate;
  const nextHead: TemplateHead = Object.freeze({
    key: ref.key,
    channel: ref.channel,
    locale: ref.locale,
    activeVersion: becomesActive ? number : head.activeVersion,
    latestVersion: number,
    createdAt: head?.createdAt ?? now,
    updatedAt: now,
    activatedAt: becomesActive ? now : head.activatedAt,
    activatedBy: becomesActive ? draft.createdBy : head.activatedBy,
  });
  return { version, head: nextHead };
}

/**
 * Plans making `version` the active one (a rollback when it is older than the active one).
 * Throws NotFoundError('template version', 'key/CHANNEL/locale@n') when the template has no
 * such version. Returns `changed: false` (and the same head) when it is already active.
 */
export function planActivation(
  head: TemplateHead,
  version: number,
  actor: string,
  now: Date,
): { head: TemplateHead; changed: boolean } {
  if (!Number.isInteger(version) || version < 1 || version > head.latestVersion) {
    throw new NotFoundError('template version', `${templateRefToString(head)}@${version}`);
  }
  if (version === head.activeVersion) return { head, changed: false };
  if (typeof actor !== 'string' || actor.trim() === '') throw new ValidationError('activated_by', 'is required');
  return {
    head: Object.freeze({ ...head, activeVersion: version, updatedAt: now, activatedAt: now, activatedBy: actor }),
    changed: true,
  };
}
