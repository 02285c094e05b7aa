import type { Channel, NotificationPreferences, OptOut, SubjectRef } from '../../domain';

/**
 * What ResolveRecipients judges a batch of candidates by besides the candidates themselves:
 * each subject's stored preferences (by `subjectKey`; absent = the defaults) and the channels each
 * phone opted out of (by E.164 digits; absent = none).
 */
export interface CandidateFacts {
  readonly preferences: ReadonlyMap<string, NotificationPreferences>;
  readonly optedOut: ReadonlyMap<string, ReadonlySet<Channel>>;
}

/** Reads the facts of one batch of candidates (at most RESOLUTION_BATCH_SIZE): one round trip on Postgres. */
export interface CandidateFactsReader {
  /** Preferences of `subjects` and opt-outs of `phones` (either may be empty). */
  factsOf(subjects: readonly SubjectRef[], phones: readonly string[]): Promise<CandidateFacts>;
}

/** Opt-out rows grouped as phone → channels opted out of. */
export function optedOutChannelsByPhone(optOuts: Iterable<Pick<OptOut, 'phone' | 'channel'>>): Map<string, Set<Channel>> {
  const out = new Map<string, Set<Channel>>();
  for (const o of optOuts) {
    const set = out.get(o.phone) ?? new Set<Channel>();
    set.add(o.channel);
    out.set(o.phone, set);
  }
  return out;
}
