import { naturalBatcher, type NaturalBatcher } from '@notify/batching';
import { subjectKey, type Channel, type NotificationPreferences, type SubjectRef } from '../../../domain';
import { optedOutChannelsByPhone, type CandidateFacts, type CandidateFactsReader } from '../../../application';
import { batchable, preparedRows, t, type SqlContext } from '../sql.util';
import { PREFERENCE_COLUMNS, toPreferences } from './preferences.repository';

/**
 * CandidateFactsReader on `<schema>.preferences` and `<schema>.opt_outs`: ONE statement per
 * batch, the preferences of the subjects (unnest of kinds and ids) UNION ALL the opt-outs of the
 * phones (`phone = ANY`), told apart by a `part` column. Before, a batch took two round trips
 * (PreferencesRepository.getMany, then OptOutRepository.findByPhones).
 *
 * On the DataSource's manager the reads of concurrent callers (the ResolveRecipients calls the
 * gateway makes for the events it handles at once) go together (naturalBatcher): one statement
 * for the union of their subjects and phones, and each caller gets the facts of its own.
 */
export class PgCandidateFactsReader implements CandidateFactsReader {
  private readonly batcher: NaturalBatcher<{ subjects: readonly SubjectRef[]; phones: readonly string[] }, CandidateFacts> | undefined;

  constructor(private readonly ctx: SqlContext) {
    if (batchable(ctx)) {
      this.batcher = naturalBatcher(async (asks) => {
        const subjects = new Map<string, SubjectRef>();
        for (const a of asks) for (const s of a.subjects) subjects.set(subjectKey(s), s);
        const all = await this.read([...subjects.values()], [...new Set(asks.flatMap((a) => a.phones))]);
        return asks.map((a) => ({
          preferences: new Map(a.subjects.flatMap((s) => {
            const p = all.preferences.get(subjectKey(s));
            return p ? [[subjectKey(s), p] as const] : [];
          })),
          optedOut: new Map(a.phones.flatMap((phone) => {
            const channels = all.optedOut.get(phone);
            return channels ? [[phone, channels] as const] : [];
          })),
        }));
      });
    }
  }

  async factsOf(subjects: readonly SubjectRef[], phones: readonly string[]): Promise<CandidateFacts> {
    if (subjects.length === 0 && phones.length === 0) return { preferences: new Map(), optedOut: new Map() };
    return this.batcher ? this.batcher.load({ subjects, phones }) : this.read(subjects, phones);
  }

  private async read(subjects: readonly SubjectRef[], phones: readonly string[]): Promise<CandidateFacts> {
    const preferences = new Map<string, NotificationPreferences>();
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
