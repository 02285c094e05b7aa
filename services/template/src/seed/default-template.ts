import { Channel, Locale } from '../domain/template-ref';
import { TemplateVariables } from '../domain/template-variables';

/**
 * Where a seeded text comes from (the files in ../shared/reference/seeds/):
 * - `verbatim`: the seed's text exactly; its placeholders (`[Customer Name]`, `{ticket_id}`)
 *   or example values became variables, and the sample variables render the seed's text.
 * - `adapted`: built from a seed text with stated changes (PSB bodies from the GANGGUAN
 *   bodies under the seed's PSB header lines; the job offer's reply instructions).
 * - `authored`: the seed names the message (and often its fields) but gives no text;
 *   written in the seeds' style (emoji header in bold, `📋 *Detail …:*` block, closing line).
 * - `translated`: the Indonesian version of an English seed text.
 */
export type SeedFidelity = 'verbatim' | 'adapted' | 'authored' | 'translated';

export interface SeedSource {
  /** Seed file name in reference/seeds/. */
  readonly seed: string;
  /** Heading or label of the section the text (or the message's definition) is in. */
  readonly section: string;
  readonly fidelity: SeedFidelity;
  /** What was adapted or authored, when not verbatim. */
  readonly note?: string;
}

/** One template installed by the seed step (SeedDefaultTemplates) as version 1. */
export interface DefaultTemplate {
  readonly key: string;
  readonly channel: Channel;
  readonly locale: Locale;
  /** When the message is sent and to whom. */
  readonly description: string;
  /** Liquid source. */
  readonly body: string;
  /** The seed's example values (or realistic ones where the seed has placeholders). */
  readonly sampleVariables: TemplateVariables;
  readonly source: SeedSource;
}

/** Joins lines with `\n` (message bodies are written one line per string, so whitespace is exact). */
export function lines(...parts: string[]): string {
  return parts.join('\n');
}

export const SEED_CUSTOMER_NOTIFICATION = 'customer-notification-system.md';
export const SEED_RECOMMENDATION = 'whatsapp-notification-recommendation.md';
export const SEED_SYSTEM_COMPLETE = 'whatsapp-notification-system-complete.md';
export const SEED_CASE_WORKFLOW = 'case-workflow-whatsapp-bot-plan.md';
export const SEED_TICKET_SMS = 'ticket-sms-notifications.md';
