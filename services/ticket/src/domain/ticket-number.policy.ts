import { calendarDateIn, BUSINESS_TIME_ZONE } from './calendar.util';
import type { TicketType } from './ticket.types';

/** Number prefix per ticket type: GGN = GANGGUAN (disturbance), PSB = installation. */
export const TICKET_NUMBER_PREFIX: Readonly<Record<TicketType, string>> = {
  GANGGUAN: 'GGN',
  PSB: 'PSB',
};

/** `GGN-20261122-0001`: prefix, Jakarta date, sequence (at least 4 digits). */
export const TICKET_NUMBER_PATTERN = /^(GGN|PSB)-(\d{8})-(\d{4,})$/;

/** The day key of instant `at` in Asia/Jakarta: `YYYYMMDD` (the sequence's scope). */
export function ticketDayKey(at: Date): string {
  return calendarDateIn(at, BUSINESS_TIME_ZONE).replaceAll('-', '');
}

/**
 * The human-readable number for the `sequence`-th ticket of `type` on Jakarta day `dayKey`
 * (`YYYYMMDD`): `GGN-20261122-0001`. Sequences above 9999 simply use more digits.
 * Throws RangeError when `sequence` is not a positive integer.
 */
export function formatTicketNumber(type: TicketType, dayKey: string, sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new RangeError(`ticket number sequence must be a positive integer, got ${sequence}`);
  }
  if (!/^\d{8}$/.test(dayKey)) throw new RangeError(`day key must be YYYYMMDD, got ${dayKey}`);
  return `${TICKET_NUMBER_PREFIX[type]}-${dayKey}-${String(sequence).padStart(4, '0')}`;
}

/** True when `value` looks like a ticket number in its canonical (upper) case (used to accept a number where an id is expected). */
export function isTicketNumber(value: string): boolean {
  return TICKET_NUMBER_PATTERN.test(value);
}

/**
 * `value` (trimmed) as a ticket number in its canonical upper case, whatever case it was typed
 * in (`ggn-20261122-0001` → `GGN-20261122-0001`); null when it is not a ticket number.
 */
export function canonicalTicketNumber(value: string): string | null {
  const v = (value ?? '').trim().toUpperCase();
  return TICKET_NUMBER_PATTERN.test(v) ? v : null;
}
