import { dataSourceSchema, qualifiedTable } from '@notify/db';
import { ConflictError, NotFoundError } from '@notify/errors';
import { DataSource, QueryFailedError } from 'typeorm';
import {
  Channel,
  Locale,
  TemplateHead,
  TemplateListFilter,
  TemplateRef,
  TemplateRepository,
  TemplateVersion,
  parseTemplateVariables,
  templateRefToString,
} from '../../index';
import { TemplateHeadEntity, TemplateHeadRow, TemplateVersionEntity, TemplateVersionRow } from './template.entities';

/** Options of {@link TypeOrmTemplateRepository}. */
export interface TemplateRepositoryOptions {
  /** How long findActive keeps an answer, ms (TEMPLATE_CACHE_TTL_MS); 0 (the default here) reads Postgres every time. */
  readonly activeCacheTtlMs?: number;
  /** Clock of the cache, epoch ms (tests). */
  readonly now?: () => number;
}

/** At most this many (key, channel, locale) answers are cached; the cache starts over when full. */
const ACTIVE_CACHE_MAX = 10_000;

/** Postgres SQLSTATE of a unique (primary key) violation. */
const UNIQUE_VIOLATION = '23505';

/**
 * TemplateRepository on Postgres through TypeORM (tables `template_heads` and
 * `template_versions` in the DataSource's schema). Same contract as the in-memory one
 * (test/template-repository.contract.ts): a write whose expected latest version is not the
 * stored one throws ConflictError and stores nothing (conditional UPDATE on
 * `latest_version` + primary keys, in one transaction); saving the head of an unknown
 * template throws NotFoundError. Values returned are frozen domain objects.
 *
 * Active-version cache ({@link TemplateRepositoryOptions.activeCacheTtlMs}): RenderTemplate
 * reads the active version of (key, channel, locale) on every render, and a ticket event renders
 * several; findActive keeps each answer (a version, or "none" for a missing locale) for the TTL.
 * A write through this repository (appendVersion, saveHead) drops that template's entry before
 * it starts and again once it has committed (or failed), and a read that overlapped a write
 * (begun before the write ended) is not cached: a render during the write cannot keep the old
 * active version for the TTL, so this process renders a new or re-activated version from the
 * first call after the write returns; another replica sees it within the TTL.
 */
export class TypeOrmTemplateRepository implements TemplateRepository {
  /** SELECT of the active version of (key, channel, locale), built once for the schema. */
  private readonly activeSql: string;
  private readonly activeCache = new Map<string, { version: TemplateVersion | undefined; until: number }>();
  /** Bumped when a write starts and when it ends: a findActive that saw it change does not cache. */
  private writeGeneration = 0;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly dataSource: DataSource, options: TemplateRepositoryOptions = {}) {
    this.ttlMs = options.activeCacheTtlMs ?? 0;
    this.now = options.now ?? Date.now;
    const schema = dataSourceSchema(dataSource);
    this.activeSql =
      `SELECT v.key, v.channel, v.locale, v.version, v.body, v.sample_variables, v.description, v.created_at, v.created_by ` +
      `FROM ${qualifiedTable(schema, 'template_versions')} v JOIN ${qualifiedTable(schema, 'template_heads')} h ` +
      `ON h.key = v.key AND h.channel = v.channel AND h.locale = v.locale AND h.active_version = v.version ` +
      `WHERE v.key = $1 AND v.channel = $2 AND v.locale = $3`;
  }

  async findHead(ref: TemplateRef): Promise<TemplateHead | undefined> {
    const row = await this.dataSource.getRepository(TemplateHeadEntity).findOneBy(refWhere(ref));
    return row ? toHead(row) : undefined;
  }

  async findVersion(ref: TemplateRef, version: number): Promise<TemplateVersion | undefined> {
    if (!Number.isInteger(version) || version < 1) return undefined;
    const row = await this.dataSource.getRepository(TemplateVersionEntity).findOneBy({ ...refWhere(ref), version });
    return row ? toVersion(row) : undefined;
  }

  async findActive(ref: TemplateRef): Promise<TemplateVersion | undefined> {
    const id = templateRefToString(ref);
    const cached = this.ttlMs > 0 ? this.activeCache.get(id) : undefined;
    if (cached && cached.until > this.now()) return cached.version;
    const generation = this.writeGeneration;
    // The hot path of RenderTemplate (one read per render): one indexed join in plain SQL,
    // without the query builder's per-call SQL generation.
    const [row] = (await this.dataSource.query(this.activeSql, [ref.key, ref.channel, ref.locale])) as RawVersionRow[];
    const version = row ? toVersion(fromRaw(row)) : undefined;
    if (this.ttlMs > 0 && generation === this.writeGeneration) {
      if (this.activeCache.size >= ACTIVE_CACHE_MAX) this.activeCache.clear();
      this.activeCache.set(id, { version, until: this.now() + this.ttlMs });
    }
    return version;
  }

  async listVersions(ref: TemplateRef): Promise<TemplateVersion[]> {
    const rows = await this.dataSource
      .getRepository(TemplateVersionEntity)
      .find({ where: refWhere(ref), order: { version: 'ASC' } });
    return rows.map(toVersion);
  }

  async listHeads(filter: TemplateListFilter): Promise<TemplateHead[]> {
    const qb = this.dataSource.getRepository(TemplateHeadEntity).createQueryBuilder('h');
    if (filter.keyPrefix !== undefined) {
      // starts_with avoids LIKE wildcards (`_` is a legal key character).
      qb.andWhere('starts_with(h.key, :prefix)', { prefix: filter.keyPrefix });
    }
    if (filter.channel !== undefined) qb.andWhere('h.channel = :channel', { channel: filter.channel });
    if (filter.locale !== undefined) qb.andWhere('h.locale = :locale', { locale: filter.locale });
    // COLLATE "C": plain code-unit order, the same as the in-memory repository.
    qb.orderBy('h.key COLLATE "C"').addOrderBy('h.channel COLLATE "C"').addOrderBy('h.locale COLLATE "C"');
    return (await qb.getMany()).map(toHead);
  }

  async appendVersion(version: TemplateVersion, head: TemplateHead): Promise<void> {
    const id = templateRefToString(version);
    await this.dropCachedAround(id, () => this.insertVersion(id, version, head));
  }

  private async insertVersion(id: string, version: TemplateVersion, head: TemplateHead): Promise<void> {
    if (head.latestVersion !== version.version || templateRefToString(head) !== id) {
      throw new ConflictError(`template ${id}: head (latest ${head.latestVersion}) does not match version ${version.version}`);
    }
    const conflict = () => new ConflictError(`template ${id}: version ${version.version} does not follow the stored latest version`);
    try {
      await this.dataSource.transaction(async (manager) => {
        if (version.version === 1) {
          await manager.getRepository(TemplateHeadEntity).insert(toHeadRow(head));
        } else {
          const result = await manager
            .createQueryBuilder()
            .update(TemplateHeadEntity)
            .set(headChanges(head))
            .where('key = :key AND channel = :channel AND locale = :locale AND latest_version = :expected', {
              ...refWhere(head),
              expected: version.version - 1,
            })
            .execute();
          if (result.affected !== 1) throw conflict();
        }
        await manager.getRepository(TemplateVersionEntity).insert(toVersionRow(version));
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict();
      throw err;
    }
  }

  async saveHead(head: TemplateHead): Promise<void> {
    const id = templateRefToString(head);
    await this.dropCachedAround(id, () => this.updateHead(id, head));
  }

  /**
   * Runs a write of template `id`, dropping its cached active version before and after (the
   * after covers a findActive that ran during the write and read the old, still committed, row)
   * and marking the write's span so overlapping reads do not cache.
   */
  private async dropCachedAround(id: string, write: () => Promise<void>): Promise<void> {
    this.writeGeneration += 1;
    this.activeCache.delete(id);
    try {
      await write();
    } finally {
      this.writeGeneration += 1;
      this.activeCache.delete(id);
    }
  }

  private async updateHead(id: string, head: TemplateHead): Promise<void> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(TemplateHeadEntity)
      .set({
        activeVersion: head.activeVersion,
        updatedAt: head.updatedAt,
        activatedAt: head.activatedAt,
        activatedBy: head.activatedBy,
      })
      .where('key = :key AND channel = :channel AND locale = :locale AND latest_version = :latest', {
        ...refWhere(head),
        latest: head.latestVersion,
      })
      .execute();
    if (result.affected === 1) return;
    const stored = await this.findHead(head);
    if (!stored) throw new NotFoundError('template', id);
    throw new ConflictError(`template ${id} changed: latest version is ${stored.latestVersion}`);
  }
}

function refWhere(ref: TemplateRef): { key: string; channel: string; locale: string } {
  return { key: ref.key, channel: ref.channel, locale: ref.locale };
}

function headChanges(head: TemplateHead): Partial<TemplateHeadRow> {
  return {
    activeVersion: head.activeVersion,
    latestVersion: head.latestVersion,
    updatedAt: head.updatedAt,
    activatedAt: head.activatedAt,
    activatedBy: head.activatedBy,
  };
}

function toHeadRow(head: TemplateHead): TemplateHeadRow {
  return { ...refWhere(head), ...headChanges(head), createdAt: head.createdAt } as TemplateHeadRow;
}

function toVersionRow(v: TemplateVersion): TemplateVersionRow {
  return {
    ...refWhere(v),
    version: v.version,
    body: v.body,
    sampleVariables: { ...v.sampleVariables },
    description: v.description,
    createdAt: v.createdAt,
    createdBy: v.createdBy,
  };
}

function toHead(row: TemplateHeadRow): TemplateHead {
  return Object.freeze({
    key: row.key,
    channel: row.channel as Channel,
    locale: row.locale as Locale,
    activeVersion: row.activeVersion,
    latestVersion: row.latestVersion,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    activatedAt: row.activatedAt,
    activatedBy: row.activatedBy,
  });
}

function toVersion(row: TemplateVersionRow): TemplateVersion {
  return Object.freeze({
    key: row.key,
    channel: row.channel as Channel,
    locale: row.locale as Locale,
    version: row.version,
    body: row.body,
    sampleVariables: parseTemplateVariables(row.sampleVariables ?? {}, 'sample_variables'),
    description: row.description,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  });
}

/** A `template_versions` row as the pg driver returns it (snake_case columns). */
interface RawVersionRow {
  key: string;
  channel: string;
  locale: string;
  version: number;
  body: string;
  sample_variables: object | null;
  description: string;
  created_at: Date;
  created_by: string;
}

function fromRaw(row: RawVersionRow): TemplateVersionRow {
  return {
    key: row.key,
    channel: row.channel,
    locale: row.locale,
    version: row.version,
    body: row.body,
    sampleVariables: row.sample_variables ?? {},
    description: row.description,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string } | undefined)?.code === UNIQUE_VIOLATION;
}
