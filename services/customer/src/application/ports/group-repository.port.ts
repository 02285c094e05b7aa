import type { GroupCategory, WhatsAppGroup } from '../../domain';

export interface GroupListFilter {
  /** Any of these categories (absent / empty = all). */
  readonly categories?: readonly GroupCategory[];
  /** Exact work zone; groups with no zone (all zones) are included too. */
  readonly workZone?: string;
  readonly active?: boolean;
}

export interface GroupRepository {
  findById(id: string): Promise<WhatsAppGroup | null>;
  findByChatId(chatId: string): Promise<WhatsAppGroup | null>;
  /** AlreadyExistsError when the chat id is taken (unique `whatsapp_groups(chat_id)`). */
  insert(group: WhatsAppGroup): Promise<void>;
  /** Replaces the stored group; AlreadyExistsError when the new chat id is another group's. */
  update(group: WhatsAppGroup): Promise<void>;
  /** True when a row was deleted. */
  delete(id: string): Promise<boolean>;
  /** Every matching group, name ASC (master data, a few dozen rows). */
  list(filter: GroupListFilter): Promise<WhatsAppGroup[]>;
}
