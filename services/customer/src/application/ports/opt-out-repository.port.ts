import type { OptOut } from '../../domain';

export interface OptOutRepository {
  /** Upsert by (phone, channel): a repeat opt-out keeps one row (reason / time refreshed). */
  upsert(optOut: OptOut): Promise<void>;
  /** Every opt-out of any of `phones` (E.164 digits). One query per batch. */
  findByPhones(phones: readonly string[]): Promise<OptOut[]>;
}
