import { TemplateRef, templateRefToString } from '../domain/template-ref';
import { DefaultTemplate } from '../seed/default-template';
import { TemplateRepository } from './ports/template.repository';
import { UpsertTemplate } from './upsert-template.use-case';

export interface SeedResult {
  /** Templates created now (version 1, active). */
  readonly created: readonly string[];
  /** Templates that already existed and were left alone. */
  readonly skipped: readonly string[];
}

/** The actor recorded on seeded versions. */
export const SEED_ACTOR = 'seed';

/**
 * SeedDefaultTemplates: installs the default templates (src/seed/default-templates.ts) that
 * do not exist yet, each as version 1 (active), created_by `seed`. A template that already
 * exists is left as it is, whatever its content: once installed, templates belong to their
 * editors, and running the seed step again (every start in the embedded mode) changes
 * nothing. Each default goes through UpsertTemplate, so a default that does not parse or
 * render with its samples fails the seed step with that ValidationError.
 */
export class SeedDefaultTemplates {
  constructor(
    private readonly repository: TemplateRepository,
    private readonly upsert: UpsertTemplate,
  ) {}

  async execute(defaults: readonly DefaultTemplate[]): Promise<SeedResult> {
    const created: string[] = [];
    const skipped: string[] = [];
    for (const template of defaults) {
      const ref: TemplateRef = { key: template.key, channel: template.channel, locale: template.locale };
      const id = templateRefToString(ref);
      if (await this.repository.findHead(ref)) {
        skipped.push(id);
        continue;
      }
      await this.upsert.execute({
        ...ref,
        body: template.body,
        sampleVariables: template.sampleVariables,
        description: template.description,
        activate: true,
        actor: SEED_ACTOR,
      });
      created.push(id);
    }
    return { created, skipped };
  }
}
