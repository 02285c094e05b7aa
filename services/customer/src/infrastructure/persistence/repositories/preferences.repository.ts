import { subjectKey, type Locale, type NotificationPreferences, type SubjectKind, type SubjectRef } from '../../../domain';
import type { PreferencesRepository } from '../../../application';
import { query, t, type Row, type SqlContext } from '../sql.util';

/** The preferences columns, in toPreferences' terms (CandidateFactsReader selects them too). */
export const PREFERENCE_COLUMNS = 'subject_kind, subject_id, whatsapp, sms, opted_out_types, quiet_start, quiet_end, time_zone, locale, updated_at';

/** A preferences row as the domain's NotificationPreferences. */
export function toPreferences(r: Row): NotificationPreferences {
  const start = r.quiet_start as string | null;
  const end = r.quiet_end as string | null;
  return {
    subject: { kind: r.subject_kind as SubjectKind, id: r.subject_id as string },
    channels: { WHATSAPP: r.whatsapp as boolean, SMS: r.sms as boolean },
    optedOutTypes: (r.opted_out_types as string[]) ?? [],
    quietHours: start && end ? { start, end } : null,
    timeZone: r.time_zone as string,
    locale: r.locale as Locale,
    updatedAt: (r.updated_at as Date | null) ?? null,
  };
}

/** Preferences in `<schema>.preferences`, keyed by (subject kind, subject id). */
export class PgPreferencesRepository implements PreferencesRepository {
  constructor(private readonly ctx: SqlContext) {}

  async get(subject: SubjectRef): Promise<NotificationPreferences | null> {
    const rows = await query(this.ctx, `SELECT ${PREFERENCE_COLUMNS} FROM ${t(this.ctx, 'preferences')} WHERE subject_kind = $1 AND subject_id = $2`, [
      subject.kind,
      subject.id,
    ]);
    return rows[0] ? toPreferences(rows[0]) : null;
  }

  /** One query for the whole batch (unnest of kinds and ids). */
  async getMany(subjects: readonly SubjectRef[]): Promise<Map<string, NotificationPreferences>> {
    const out = new Map<string, NotificationPreferences>();
    if (!subjects.length) return out;
    const rows = await query(
      this.ctx,
      `SELECT ${PREFERENCE_COLUMNS} FROM ${t(this.ctx, 'preferences')} p
       JOIN unnest($1::text[], $2::text[]) AS s(kind, id) ON p.subject_kind = s.kind AND p.subject_id = s.id`,
      [subjects.map((s) => s.kind), subjects.map((s) => s.id)],
    );
    for (const r of rows) {
      const p = toPreferences(r);
      out.set(subjectKey(p.subject), p);
    }
    return out;
  }

  async save(p: NotificationPreferences): Promise<void> {
    await query(
      this.ctx,
      `INSERT INTO ${t(this.ctx, 'preferences')} (${PREFERENCE_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
       ON CONFLICT (subject_kind, subject_id) DO UPDATE SET whatsapp = EXCLUDED.whatsapp, sms = EXCLUDED.sms,
         opted_out_types = EXCLUDED.opted_out_types, quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end,
         time_zone = EXCLUDED.time_zone, locale = EXCLUDED.locale, updated_at = EXCLUDED.updated_at`,
      [
        p.subject.kind,
        p.subject.id,
        p.channels.WHATSAPP,
        p.channels.SMS,
        [...p.optedOutTypes],
        p.quietHours?.start ?? null,
        p.quietHours?.end ?? null,
        p.timeZone,
        p.locale,
        p.updatedAt,
      ],
    );
  }
}
