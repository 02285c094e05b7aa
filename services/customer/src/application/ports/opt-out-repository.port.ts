import type { Channel, OptOut } from '../../domain';

export interface OptOutRepository {
  /**
   * Stores the opt-out unless one for the same (phone, channel) exists; returns the stored
   * record — the existing one, unchanged (reason and time kept), on a repeat.
   */
  addIfAbsent(optOut: OptOut): Promise<OptOut>;
  /** Deletes the opt-outs of `phone` (E.164 digits) on `channels`; resolves how many there were. */
  remove(phone: string, channels: readonly Channel[]): Promise<number>;
  /** Every opt-out of any of `phones` (E.164 digits). One query per batch. */
  findByPhones(phones: readonly string[]): Promise<OptOut[]>;
}
