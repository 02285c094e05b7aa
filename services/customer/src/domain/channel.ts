/** Delivery channels. WhatsApp (Fonnte → Wablas) and SMS (Twilio → Advanta). */
export const CHANNELS = ['WHATSAPP', 'SMS'] as const;
export type Channel = (typeof CHANNELS)[number];

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}
