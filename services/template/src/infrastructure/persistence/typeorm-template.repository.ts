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

/** Postgres SQLSTATE of a unique (primary key) violation. */
const UNIQUE_VIOLATION = '23505';

/**
 * TemplateRepository on Postgres through TypeORM (tables `template_heads` and
 * `template_versions` in the DataSource's schema). Same contract as the in-memory one
 * (test/template-repository.contract.ts): a write whose expected latest version is not the
 * stored one throws ConflictError and stores nothing (conditional UPDATE on
 * `latest_version` + primary keys, in one transaction); saving the head of an unknown
 * template throws NotFoundError. Values returned are frozen domain objects.
 */
export class TypeOrmTemplateRepository implements TemplateRepository {
  constructor(private readonly dataSource: DataSource) {}

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
    const row = await this.dataSource
      .getRepository(TemplateVersionEntity)
      .createQueryBuilder('v')
      .innerJoin(
        TemplateHeadEntity.options.name,
        'h',
        'h.key = v.key AND h.channel = v.channel AND h.locale = v.locale AND h.active_version = v.version',
      )
      .where('v.key = :key AND v.channel = :channel AND v.locale = :locale', refWhere(ref))
      .getOne();
    return row ? toVersion(row) : undefined;
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

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string } | undefined)?.code === UNIQUE_VIOLATION;
}
