import { ConflictError } from '@notify/errors';
import { TemplateRef, templateRefToString } from '../domain/template-ref';
import { DefaultTemplate } from '../seed/default-template';
import { TemplateRepository } from './ports/template.repository';
import { UpsertTemplate } from './upsert-template.use-case';

export interface SeedResult {
  /** Templates created now (version 1, active). */
  readonly created: readonly string[];
  /** Templates nobody edited whose default text changed: a new version with it, active. */
  readonly upgraded: readonly string[];
  /** Templates that already existed and were left alone (edited, or already the default). */
  readonly skipped: readonly string[];
}

/** The actor recorded on seeded versions. */
export const SEED_ACTOR = 'seed';

/**
 * SeedDefaultTemplates: installs the default templates (src/seed/default-templates.ts) that
 * do not exist yet, each as version 1 (active), created_by `seed`. A template that exists is
 * left as it is once anybody has touched it: a version created by someone else than `seed`,
 * or an older version activated (the active one is not the latest). An untouched one (every
 * version by `seed`, the latest active) whose default body has changed since (a new release
 * of Notify) gets that body as a new version, activated, so improvements of the defaults reach
 * existing installations; the earlier versions stay (ListTemplateVersions, and
 * ActivateTemplateVersion can go back); a body some version already had is never written back
 * (an older release starting during a rolling update does not undo the upgrade). A replica
 * losing the race to seed a template to another (ConflictError) leaves theirs and goes on.
 * Running the seed step again (every start) with the
 * same defaults changes nothing. Each default goes through UpsertTemplate, so a default that
 * does not parse or render with its samples fails the seed step with that ValidationError.
 */
export class SeedDefaultTemplates {
  constructor(
    private readonly repository: TemplateRepository,
    private readonly upsert: UpsertTemplate,
  ) {}

  async execute(defaults: readonly DefaultTemplate[]): Promise<SeedResult> {
    const created: string[] = [];
    const upgraded: string[] = [];
    const skipped: string[] = [];
    for (const template of defaults) {
      const ref: TemplateRef = { key: template.key, channel: template.channel, locale: template.locale };
      const id = templateRefToString(ref);
      const head = await this.repository.findHead(ref);
      if (head) {
        const versions = await this.repository.listVersions(ref);
        const untouched = head.activeVersion === head.latestVersion && versions.every((v) => v.createdBy === SEED_ACTOR);
        const active = versions.find((v) => v.version === head.activeVersion);
        // Only forward: a body some version already had is an older release's default (an old
        // replica still starting during a rolling update, or a rollback) and is never written back.
        const seenBefore = versions.some((v) => v.body === template.body);
        if (!untouched || !active || seenBefore) {
          skipped.push(id);
          continue;
        }
        upgraded.push(id);
      } else {
        created.push(id);
      }
      try {
        await this.upsert.execute({
          ...ref,
          body: template.body,
          sampleVariables: template.sampleVariables,
          description: template.description,
          activate: true,
          actor: SEED_ACTOR,
          // The defaults are checked against the events' variables by their tests, not at start.
          allowUnsuppliedVariables: true,
        });
      } catch (err) {
        // Another replica seeding at the same moment (or an editor) wrote this template first:
        // theirs stands, and this start goes on.
        if (!(err instanceof ConflictError)) throw err;
        (head ? upgraded : created).pop();
        skipped.push(id);
      }
    }
    return { created, upgraded, skipped };
  }
}
