import { NotFoundError, ValidationError } from '@notify/errors';
import { TemplateRef, templateRefToString } from '../domain/template-ref';
import { TemplateHead, TemplateVersion } from '../domain/template-version';
import { TemplateRepository } from './ports/template.repository';

/**
 * A version number from a request: undefined or 0 (an unset proto field) means "the active
 * version". Throws ValidationError('version') for negative or fractional numbers.
 */
export function parseVersionNumber(value: number | undefined): number | undefined {
  if (value === undefined || value === 0) return undefined;
  if (!Number.isInteger(value) || value < 0) {
    throw new ValidationError('version', `must be a positive whole number, got ${value}`);
  }
  return value;
}

/**
 * The head and the requested (or active) version of a template. Throws NotFoundError
 * ('template', 'key/CHANNEL/locale') when the template has no version, and
 * NotFoundError('template version', 'key/CHANNEL/locale@n') for an unknown version.
 */
export async function loadVersion(
  repository: Pick<TemplateRepository, 'findHead' | 'findVersion'>,
  ref: TemplateRef,
  version: number | undefined,
): Promise<{ head: TemplateHead; version: TemplateVersion }> {
  const head = await repository.findHead(ref);
  if (!head) throw new NotFoundError('template', templateRefToString(ref));
  const wanted = version ?? head.activeVersion;
  const found = await repository.findVersion(ref, wanted);
  if (!found) throw new NotFoundError('template version', `${templateRefToString(ref)}@${wanted}`);
  return { head, version: found };
}
