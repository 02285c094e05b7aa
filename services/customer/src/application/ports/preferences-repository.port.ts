import type { NotificationPreferences, SubjectRef } from '../../domain';

export interface PreferencesRepository {
  /** Stored preferences, or null when the subject never set any (callers use the defaults). */
  get(subject: SubjectRef): Promise<NotificationPreferences | null>;
  /** Stored preferences of many subjects, keyed by `subjectKey` (missing = defaults). One query per batch. */
  getMany(subjects: readonly SubjectRef[]): Promise<Map<string, NotificationPreferences>>;
  /** Upsert by subject. */
  save(preferences: NotificationPreferences): Promise<void>;
}
