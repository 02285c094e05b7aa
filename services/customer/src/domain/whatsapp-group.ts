import { ValidationError } from '@notify/errors';
import { validateNotificationType } from './notification-type';
import { normalizeWorkZone } from '@notify/work-zone';

/**
 * WhatsApp groups master data (whatsapp-notification-recommendation.md, "Option B" table
 * `whatsapp_groups` and "Master data: WhatsApp groups"): a group chat id, a category, an
 * optional work zone (null = all zones) and the notification types it takes.
 */
export const GROUP_CATEGORIES = ['technicians', 'supervisors', 'managers', 'noc', 'customer_service', 'all'] as const;
export type GroupCategory = (typeof GROUP_CATEGORIES)[number];

export interface WhatsAppGroup {
  /** UUID. */
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  /** `120363025246125888@g.us` (or the legacy `6281234567890-1612345678@g.us`). Unique. */
  readonly chatId: string;
  readonly category: GroupCategory;
  /** Normalized work-zone key, or null for every zone. */
  readonly workZone: string | null;
  /** Notification types the group takes; empty = every type routed to it. */
  readonly notificationTypes: readonly string[];
  readonly active: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Group JIDs: current `<15–20 digits>@g.us` (they start 120363…), legacy `<creator phone>-<epoch>@g.us`. */
const CHAT_ID = /^(\d{15,20}|\d{8,15}-\d{9,12})@g\.us$/;

/** Trims and checks a group chat id; ValidationError(`chat_id`) naming the value otherwise. */
export function validateChatId(value: string): string {
  const v = (value ?? '').trim();
  if (!CHAT_ID.test(v)) {
    throw new ValidationError('chat_id', `"${value}" is not a WhatsApp group id (like 120363025246125888@g.us)`);
  }
  return v;
}

export interface GroupFields {
  readonly name: string;
  readonly description?: string | null;
  readonly chatId: string;
  readonly category: GroupCategory;
  readonly workZone?: string | null;
  readonly notificationTypes?: readonly string[];
  readonly active?: boolean;
}

/** Longest group name and description (characters). */
export const GROUP_TEXT_MAX = { name: 200, description: 500 } as const;

/** Validates group fields (name 1..200 characters, description ≤ 500, chat_id, category, work_zone, notification_types). */
export function buildGroup(id: string, fields: GroupFields, createdAt: Date, updatedAt: Date): WhatsAppGroup {
  const name = (fields.name ?? '').trim();
  if (!name) throw new ValidationError('name', 'is required');
  if (name.length > GROUP_TEXT_MAX.name) throw new ValidationError('name', `is longer than ${GROUP_TEXT_MAX.name} characters`);
  if ((fields.description?.trim().length ?? 0) > GROUP_TEXT_MAX.description) {
    throw new ValidationError('description', `is longer than ${GROUP_TEXT_MAX.description} characters`);
  }
  if (!(GROUP_CATEGORIES as readonly string[]).includes(fields.category)) {
    throw new ValidationError('category', `must be one of ${GROUP_CATEGORIES.join(', ')}, got "${fields.category}"`);
  }
  return {
    id,
    name,
    description: fields.description?.trim() || null,
    chatId: validateChatId(fields.chatId),
    category: fields.category,
    workZone: fields.workZone?.trim() ? normalizeWorkZone(fields.workZone) : null,
    notificationTypes: [...new Set((fields.notificationTypes ?? []).map((t) => validateNotificationType(t, 'notification_types')))],
    active: fields.active ?? true,
    createdAt,
    updatedAt,
  };
}
