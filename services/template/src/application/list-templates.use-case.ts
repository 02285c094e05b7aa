import { ValidationError } from '@notify/errors';
import { parseChannel, parseLocale } from '../domain/template-ref';
import { TemplateHead } from '../domain/template-version';
import { TemplateListFilter, TemplateRepository } from './ports/template.repository';

export interface ListTemplatesInput {
  /** Keys starting with this text; empty for all. */
  readonly keyPrefix?: string;
  /** `WHATSAPP` or `SMS`; empty for both. */
  readonly channel?: string;
  /** `id` or `en`; empty for both. */
  readonly locale?: string;
}

/**
 * ListTemplates: the head (active and latest version) of every template matching the filter,
 * ordered by key, channel, locale. Not paged: the catalogue is tens of templates.
 * Errors: ValidationError on `key_prefix` (characters other than a-z 0-9 _ .), `channel`,
 * `locale`.
 */
export class ListTemplates {
  constructor(private readonly repository: TemplateRepository) {}

  async execute(input: ListTemplatesInput = {}): Promise<TemplateHead[]> {
    const filter: TemplateListFilter = {
      keyPrefix: input.keyPrefix ? parseKeyPrefix(input.keyPrefix) : undefined,
      channel: input.channel ? parseChannel(input.channel) : undefined,
      locale: input.locale ? parseLocale(input.locale) : undefined,
    };
    return this.repository.listHeads(filter);
  }
}

function parseKeyPrefix(value: string): string {
  if (value.length > 100 || !/^[a-z0-9_.]+$/.test(value)) {
    throw new ValidationError('key_prefix', 'may only contain a-z, 0-9, _ and . (at most 100 characters)');
  }
  return value;
}
