import type { GroupCategory, WhatsAppGroup } from '../../../domain';
import type { GroupListFilter, GroupRepository } from '../../../application';
import { preparedRows, query, rowByIdReader, t, uniqueAs, type Row, type SqlContext } from '../sql.util';

const COLUMNS = 'id, name, description, chat_id, category, work_zone, notification_types, active, created_at, updated_at';

function toGroup(r: Row): WhatsAppGroup {
  return {
    id: r.id as string,
    name: r.name as string,
    description: (r.description as string | null) ?? null,
    chatId: r.chat_id as string,
    category: r.category as GroupCategory,
    workZone: (r.work_zone as string | null) ?? null,
    notificationTypes: (r.notification_types as string[]) ?? [],
    active: r.active as boolean,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

function values(g: WhatsAppGroup): unknown[] {
  return [g.id, g.name, g.description, g.chatId, g.category, g.workZone, [...g.notificationTypes], g.active, g.createdAt, g.updatedAt];
}

function groupConflict(constraint: string, g: WhatsAppGroup): string {
  if (constraint === 'whatsapp_groups_pkey') return `group ${g.id} already exists`;
  if (constraint === 'whatsapp_groups_name_key') return `group name "${g.name}" is already used by another group`;
  return `chat id ${g.chatId} already belongs to another group`;
}

/** WhatsApp groups in `<schema>.whatsapp_groups`; unique chat id / name → AlreadyExistsError. */
export class PgGroupRepository implements GroupRepository {
  /** findById (concurrent callers in one statement on the DataSource's manager: rowByIdReader). */
  private readonly byId: (id: string) => Promise<Row | null>;

  constructor(private readonly ctx: SqlContext) {
    this.byId = rowByIdReader(ctx, 'whatsapp_groups', COLUMNS);
  }

  async findById(id: string): Promise<WhatsAppGroup | null> {
    const row = await this.byId(id);
    return row ? toGroup(row) : null;
  }

  async findByChatId(chatId: string): Promise<WhatsAppGroup | null> {
    const rows = await query(this.ctx, `SELECT ${COLUMNS} FROM ${t(this.ctx, 'whatsapp_groups')} WHERE chat_id = $1`, [chatId]);
    return rows[0] ? toGroup(rows[0]) : null;
  }

  async insert(g: WhatsAppGroup): Promise<void> {
    await uniqueAs(
      () => query(this.ctx, `INSERT INTO ${t(this.ctx, 'whatsapp_groups')} (${COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, values(g)),
      (constraint) => groupConflict(constraint, g),
    );
  }

  async update(g: WhatsAppGroup): Promise<void> {
    await uniqueAs(
      () =>
        query(
          this.ctx,
          `UPDATE ${t(this.ctx, 'whatsapp_groups')} SET name=$2, description=$3, chat_id=$4, category=$5, work_zone=$6,
             notification_types=$7, active=$8, created_at=$9, updated_at=$10 WHERE id=$1`,
          values(g),
        ),
      (constraint) => groupConflict(constraint, g),
    );
  }

  async delete(id: string): Promise<boolean> {
    const rows = await query(this.ctx, `DELETE FROM ${t(this.ctx, 'whatsapp_groups')} WHERE id = $1 RETURNING id`, [id]);
    return (Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length) > 0;
  }

  async list(filter: GroupListFilter): Promise<WhatsAppGroup[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.categories?.length) where.push(`category = ANY($${params.push([...filter.categories])})`);
    if (filter.active !== undefined) where.push(`active = $${params.push(filter.active)}`);
    if (filter.workZone) where.push(`(work_zone IS NULL OR work_zone = $${params.push(filter.workZone)})`);
    const sql = `SELECT ${COLUMNS} FROM ${t(this.ctx, 'whatsapp_groups')} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name, id`;
    // At most eight texts (which filters are set): prepared like the fixed-text reads.
    return (await preparedRows(this.ctx, sql, params)).map(toGroup);
  }
}
