import { subjectKey, type Channel, type NotificationPreferences, type SubjectRef } from '../../../domain';
import { optedOutChannelsByPhone, type CandidateFacts, type CandidateFactsReader } from '../../../application';
import { preparedRows, t, type SqlContext } from '../sql.util';
import { PREFERENCE_COLUMNS, toPreferences } from './preferences.repository';

/**
 * CandidateFactsReader on `<schema>.preferences` and `<schema>.opt_outs`: ONE statement per
 * batch, the preferences of the subjects (unnest of kinds and ids) UNION ALL the opt-outs of the
 * phones (`phone = ANY`), told apart by a `part` column. Before, a batch took two round trips
 * (PreferencesRepository.getMany, then OptOutRepository.findByPhones).
 */
export class PgCandidateFactsReader implements CandidateFactsReader {
  constructor(private readonly ctx: SqlContext) {}

  async factsOf(subjects: readonly SubjectRef[], phones: readonly string[]): Promise<CandidateFacts> {
    const preferences = new Map<string, NotificationPreferences>();
    if (subjects.length === 0 && phones.length === 0) return { preferences, optedOut: new Map() };
    const rows = await preparedRows(
      this.ctx,
      `SELECT 'p' AS part, ${PREFERENCE_COLUMNS}, NULL::text AS phone, NULL::text AS channel
         FROM ${t(this.ctx, 'preferences')} p
         JOIN unnest($1::text[], $2::text[]) AS s(kind, id) ON p.subject_kind = s.kind AND p.subject_id = s.id
       UNION ALL
       SELECT 'o', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, o.phone, o.channel
         FROM ${t(this.ctx, 'opt_outs')} o WHERE o.phone = ANY($3::text[])`,
      [subjects.map((s) => s.kind), subjects.map((s) => s.id), [...phones]],
    );
    const optOuts: Array<{ phone: string; channel: Channel }> = [];
    for (const r of rows) {
      if (r.part === 'p') {
        const p = toPreferences(r);
        preferences.set(subjectKey(p.subject), p);
      } else {
        optOuts.push({ phone: r.phone as string, channel: r.channel as Channel });
      }
    }
    return { preferences, optedOut: optedOutChannelsByPhone(optOuts) };
  }
}
