import type { Staff, StaffRole } from '../../../domain';
import type { StaffCursor, StaffListFilter, StaffRepository } from '../../../application';
import { naturalBatcher, type NaturalBatcher } from '@notify/batching';
import { batchable, preparedRows, query, rowByIdReader, t, uniqueAs, type Row, type SqlContext } from '../sql.util';

const COLUMNS = 'id, name, role, phone, work_zones, active, created_at';

function toStaff(r: Row): Staff {
  return {
    id: r.id as string,
    name: r.name as string,
    role: r.role as StaffRole,
    phone: (r.phone as string | null) ?? null,
    workZones: (r.work_zones as string[]) ?? [],
    active: r.active as boolean,
    createdAt: r.created_at as Date,
  };
}

/** Staff in `<schema>.staff`; unique id / phone → AlreadyExistsError. */
export class PgStaffRepository implements StaffRepository {
  /** findById (rowByIdReader) and listByRoles of concurrent callers in one statement each (on the DataSource's manager). */
  private readonly byId: (id: string) => Promise<Row | null>;
  private readonly byRoles: NaturalBatcher<readonly StaffRole[] | null, Staff[]> | undefined;

  constructor(private readonly ctx: SqlContext) {
    this.byId = rowByIdReader(ctx, 'staff', COLUMNS);
    if (batchable(ctx)) {
      // One read for the batch: every staff member when some caller wants all, else the union of
      // the roles asked for; each caller keeps its roles' rows (id order, as the query gives them).
      this.byRoles = naturalBatcher(async (asks) => {
        const all = asks.some((roles) => roles === null);
        const union = [...new Set(asks.flatMap((roles) => roles ?? []))];
        const staff = (await this.readByRoles(all ? null : union)).map(toStaff);
        return asks.map((roles) => (roles === null ? staff : staff.filter((s) => roles.includes(s.role))));
      });
    }
  }

  async findById(id: string): Promise<Staff | null> {
    const row = await this.byId(id);
    return row ? toStaff(row) : null;
  }

  async findByPhone(phone: string): Promise<Staff | null> {
    const rows = await query(this.ctx, `SELECT ${COLUMNS} FROM ${t(this.ctx, 'staff')} WHERE phone = $1`, [phone]);
    return rows[0] ? toStaff(rows[0]) : null;
  }

  async insert(s: Staff): Promise<void> {
    await uniqueAs(
      () =>
        query(this.ctx, `INSERT INTO ${t(this.ctx, 'staff')} (${COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7)`, [
          s.id,
          s.name,
          s.role,
          s.phone,
          [...s.workZones],
          s.active,
          s.createdAt,
        ]),
      (constraint) => (constraint === 'staff_pkey' ? `staff ${s.id} already exists` : `phone ${s.phone} already belongs to another staff member`),
    );
  }

  async update(s: Staff): Promise<boolean> {
    const rows = await uniqueAs(
      () =>
        query(this.ctx, `UPDATE ${t(this.ctx, 'staff')} SET name=$2, role=$3, phone=$4, work_zones=$5, active=$6 WHERE id=$1 RETURNING id`, [
          s.id,
          s.name,
          s.role,
          s.phone,
          [...s.workZones],
          s.active,
        ]),
      () => `phone ${s.phone} already belongs to another staff member`,
    );
    return (Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length) > 0;
  }

  async list(filter: StaffListFilter, limit: number, after: StaffCursor | null): Promise<Staff[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.roles?.length) where.push(`role = ANY($${params.push([...filter.roles])})`);
    if (filter.active !== undefined) where.push(`active = $${params.push(filter.active)}`);
    if (filter.workZone) where.push(`(cardinality(work_zones) = 0 OR $${params.push(filter.workZone)} = ANY(work_zones))`);
    if (after) where.push(`(name COLLATE "C", id COLLATE "C") > ($${params.push(after.name)}, $${params.push(after.id)})`);
    const sql = `SELECT ${COLUMNS} FROM ${t(this.ctx, 'staff')} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY name COLLATE "C", id COLLATE "C" LIMIT $${params.push(limit)}`;
    return (await query(this.ctx, sql, params)).map(toStaff);
  }

  async listByRoles(roles: readonly StaffRole[] | null): Promise<Staff[]> {
    if (this.byRoles) return [...(await this.byRoles.load(roles))];
    return (await this.readByRoles(roles)).map(toStaff);
  }

  private readByRoles(roles: readonly StaffRole[] | null): Promise<Row[]> {
    if (roles === null) return preparedRows(this.ctx, `SELECT ${COLUMNS} FROM ${t(this.ctx, 'staff')} ORDER BY id`);
    return preparedRows(this.ctx, `SELECT ${COLUMNS} FROM ${t(this.ctx, 'staff')} WHERE role = ANY($1) ORDER BY id`, [[...roles]]);
  }
}
