/**
 * Renders a message as a phone would show it, for the terminal: a box headed by the channel,
 * the recipient and the provider, the text with its line breaks kept (WhatsApp `*bold*`
 * shown bold when colours are on), and a footer with the delivery and the trace id of the
 * send. Pure (no I/O), so it is unit-tested.
 *
 * The box has no right border on purpose: emoji and zero-width joiners (👨‍🔧) have no
 * reliable column width across terminals, so a right edge would be ragged.
 */
import type { ScenarioMessage, StepResult } from './scenario';

/** Options of {@link phoneBox}. */
export interface PhoneBoxOptions {
  /** ANSI colours and bold (default false). */
  readonly color?: boolean;
  /** Width of the top and bottom rules in columns (default 64). */
  readonly width?: number;
}

const PROVIDER_LABEL: Record<string, string> = { fonnte: 'Fonnte', wablas: 'Wablas', twilio: 'Twilio', advanta: 'Advanta' };
const CHANNEL_OF: Record<string, string> = { fonnte: 'WhatsApp', wablas: 'WhatsApp', twilio: 'SMS', advanta: 'SMS' };

/** `6282291921583` → `+62 822-9192-1583`; a group id stays as it is. */
export function displayAddress(to: string): string {
  if (!/^\d+$/.test(to)) return to;
  if (to.startsWith('62') && to.length >= 11) {
    const rest = to.slice(2);
    return `+62 ${rest.slice(0, 3)}-${rest.slice(3, 7)}-${rest.slice(7)}`;
  }
  return `+${to}`;
}

/**
 * The message in a box, one string with `\n` line ends (no trailing newline). Its head: the
 * channel, the recipient — a person's number then who it is (`+62 822-9192-1583 · Budi Santoso
 * (customer)`), a group by name then chat id (`group Teknisi Karawang (120363…@g.us)`), the bare
 * number or chat id when the story does not know them — and the provider.
 */
export function phoneBox(message: ScenarioMessage, options: PhoneBoxOptions = {}): string {
  const color = options.color ?? false;
  const width = options.width ?? 64;
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[22m` : s);
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[22m` : s);
  const r = message.recipient;
  // A group by its name, its chat id after it; a person: the number, then who it is.
  const to = r?.role === 'group' ? `group ${r.name} (${message.to})` : `${displayAddress(message.to)}${r ? ` · ${r.name} (${r.role}${r.zone ? `, ${r.zone}` : ''})` : ''}`;
  const head = `${CHANNEL_OF[message.provider] ?? message.provider} to ${to} · via ${PROVIDER_LABEL[message.provider] ?? message.provider}`;
  const top = `┌─ ${head} `;
  const lines = [top + '─'.repeat(Math.max(3, width - [...top].length))];
  for (const line of message.text.split('\n')) {
    // WhatsApp renders *text* bold; show that in a colour terminal, keep the markers otherwise.
    lines.push(`│ ${color ? line.replace(/\*([^*\n]+)\*/g, (_m, inner: string) => bold(inner)) : line}`);
  }
  const d = message.delivery;
  const facts = [
    `trace ${message.traceId ?? `n/a (${message.traceNote ?? 'unknown'})`}`,
    d ? `delivery ${d.id} ${d.status}${d.failover ? ' (failover)' : ''}` : `provider id ${message.providerMessageId}`,
    d?.templateKey,
  ].filter(Boolean);
  const bottom = `└─ ${facts.join(' · ')} `;
  lines.push(dim(bottom + '─'.repeat(Math.max(3, width - [...bottom].length))));
  return lines.join('\n');
}

/** A step: its title, its notes, then each message as a phone shows it. */
export function stepReport(step: StepResult, options: PhoneBoxOptions = {}): string {
  const color = options.color ?? false;
  const title = `Step ${step.step}. ${step.title}`;
  const out = [color ? `\x1b[1m${title}\x1b[22m` : title];
  for (const note of step.notes) out.push(`  • ${note}`);
  if (step.skipped) out.push(`  ! not shown: ${step.skipped}`);
  if (step.messages.length === 0) out.push('  (no messages in this step)');
  for (const m of step.messages) out.push('', phoneBox(m, options));
  out.push('');
  return out.join('\n');
}
