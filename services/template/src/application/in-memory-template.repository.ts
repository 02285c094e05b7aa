import { ConflictError, NotFoundError } from '@notify/errors';
import { TemplateRef, templateRefToString } from '../domain/template-ref';
import { TemplateHead, TemplateVersion } from '../domain/template-version';
import { TemplateListFilter, TemplateRepository } from './ports/template.repository';

interface Entry {
  head: TemplateHead;
  versions: TemplateVersion[];
}

/**
 * TemplateRepository kept in process memory: for unit tests and for wiring use cases before
 * persistence exists. Same contract as the Postgres one (test/template-repository.contract.ts).
 * Stored values are frozen domain objects, so callers cannot change them behind its back.
 */
export class InMemoryTemplateRepository implements TemplateRepository {
  private readonly entries = new Map<string, Entry>();

  async findHead(ref: TemplateRef): Promise<TemplateHead | undefined> {
    return this.entries.get(templateRefToString(ref))?.head;
  }

  async findVersion(ref: TemplateRef, version: number): Promise<TemplateVersion | undefined> {
    return this.entries.get(templateRefToString(ref))?.versions[version - 1];
  }

  async findActive(ref: TemplateRef): Promise<TemplateVersion | undefined> {
    const entry = this.entries.get(templateRefToString(ref));
    return entry?.versions[entry.head.activeVersion - 1];
  }

  async listVersions(ref: TemplateRef): Promise<TemplateVersion[]> {
    return [...(this.entries.get(templateRefToString(ref))?.versions ?? [])];
  }

  async listHeads(filter: TemplateListFilter): Promise<TemplateHead[]> {
    return [...this.entries.values()]
      .map((e) => e.head)
      .filter(
        (h) =>
          (filter.keyPrefix === undefined || h.key.startsWith(filter.keyPrefix)) &&
          (filter.channel === undefined || h.channel === filter.channel) &&
          (filter.locale === undefined || h.locale === filter.locale),
      )
      .sort(compareRefs);
  }

  async appendVersion(version: TemplateVersion, head: TemplateHead): Promise<void> {
    const id = templateRefToString(version);
    const entry = this.entries.get(id);
    const latest = entry?.head.latestVersion ?? 0;
    if (version.version !== latest + 1 || head.latestVersion !== version.version) {
      throw new ConflictError(`template ${id} is at version ${latest}; version ${version.version} cannot follow it`);
    }
    if (entry) {
      entry.versions.push(version);
      entry.head = head;
    } else {
      this.entries.set(id, { head, versions: [version] });
    }
  }

  async saveHead(head: TemplateHead): Promise<void> {
    const id = templateRefToString(head);
    const entry = this.entries.get(id);
    if (!entry) throw new NotFoundError('template', id);
    if (entry.head.latestVersion !== head.latestVersion) {
      throw new ConflictError(`template ${id} changed: latest version is ${entry.head.latestVersion}`);
    }
    entry.head = head;
  }
}

/** Order of listings: key, then channel, then locale (plain code-unit order). */
export function compareRefs(a: TemplateRef, b: TemplateRef): number {
  return cmp(a.key, b.key) || cmp(a.channel, b.channel) || cmp(a.locale, b.locale);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
