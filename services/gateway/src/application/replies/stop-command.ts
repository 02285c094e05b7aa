/** The words that ask to stop receiving WhatsApp messages (upper-cased; Indonesian and English). */
const STOP_WORDS: ReadonlySet<string> = new Set(['STOP', 'BERHENTI', 'UNSUBSCRIBE']);

/** The words that ask to receive WhatsApp messages again after a STOP (upper-cased). */
const START_WORDS: ReadonlySet<string> = new Set(['MULAI', 'START', 'SUBSCRIBE']);

/** An inbound text read as one command word: trimmed, trailing punctuation (`stop.`, `Stop!`) dropped, upper-cased. */
function commandWord(text: string): string {
  return (text ?? '').trim().replace(/[.!?\s]+$/u, '').toUpperCase();
}

/**
 * True when an inbound text asks to stop receiving messages: `STOP`, `BERHENTI` or `UNSUBSCRIBE`
 * alone, in any case, trimmed, with trailing punctuation (`stop.`, `Stop!`) ignored. A longer text
 * that merely contains the word ("jangan stop layanan saya") is not one.
 */
export function isStopCommand(text: string): boolean {
  return STOP_WORDS.has(commandWord(text));
}

/** True when an inbound text asks to hear from the ISP again: `MULAI`, `START` or `SUBSCRIBE` alone (same reading as {@link isStopCommand}). */
export function isStartCommand(text: string): boolean {
  return START_WORDS.has(commandWord(text));
}
