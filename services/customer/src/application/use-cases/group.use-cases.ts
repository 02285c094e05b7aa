import { AlreadyExistsError, NotFoundError, ValidationError } from '@notify/errors';
import { buildGroup, GROUP_CATEGORIES, normalizeWorkZone, type GroupCategory, type GroupFields, type WhatsAppGroup } from '../../domain';
import type { Clock, GroupRepository, IdGenerator } from '../ports';
import { authorize, type Principal } from '../principal';

type GroupDeps = { readonly groups: GroupRepository; readonly clock: Clock; readonly ids: IdGenerator };

async function requireFreeChatId(groups: GroupRepository, chatId: string, exceptId: string | null): Promise<void> {
  const holder = await groups.findByChatId(chatId);
  if (holder && holder.id !== exceptId) throw new AlreadyExistsError(`chat id ${chatId} already belongs to group ${holder.name} (${holder.id})`);
}

/**
 * CreateGroup: a WhatsApp group (whatsapp-notification-recommendation.md, "Phase 4: Master
 * Data Management"). Roles: writeGroups. Errors: Validation (name, chat_id, category,
 * work_zone, notification_types), AlreadyExists (chat id).
 */
export class CreateGroupUseCase {
  constructor(private readonly deps: GroupDeps) {}

  async execute(principal: Principal, input: GroupFields): Promise<WhatsAppGroup> {
    authorize(principal, 'writeGroups', 'create groups');
    const now = this.deps.clock.now();
    const group = buildGroup(this.deps.ids.newId(), input, now, now);
    await requireFreeChatId(this.deps.groups, group.chatId, null);
    await this.deps.groups.insert(group);
    return group;
  }
}

/** UpdateGroup: partial update (absent fields kept; `workZone: null` = all zones). Roles: writeGroups. Errors: NotFound, Validation, AlreadyExists. */
export class UpdateGroupUseCase {
  constructor(private readonly deps: GroupDeps) {}

  async execute(principal: Principal, input: { readonly groupId: string } & Partial<GroupFields>): Promise<WhatsAppGroup> {
    authorize(principal, 'writeGroups', 'update groups');
    const current = await this.deps.groups.findById(input.groupId);
    if (!current) throw new NotFoundError('group', input.groupId);
    const merged: GroupFields = {
      name: input.name ?? current.name,
      description: input.description !== undefined ? input.description : current.description,
      chatId: input.chatId ?? current.chatId,
      category: input.category ?? current.category,
      workZone: input.workZone !== undefined ? input.workZone : current.workZone,
      notificationTypes: input.notificationTypes ?? current.notificationTypes,
      active: input.active ?? current.active,
    };
    const group = buildGroup(current.id, merged, current.createdAt, this.deps.clock.now());
    await requireFreeChatId(this.deps.groups, group.chatId, group.id);
    await this.deps.groups.update(group);
    return group;
  }
}

/** DeleteGroup. Roles: writeGroups. Errors: NotFound('group', id). */
export class DeleteGroupUseCase {
  constructor(private readonly deps: { readonly groups: GroupRepository }) {}

  async execute(principal: Principal, input: { readonly groupId: string }): Promise<void> {
    authorize(principal, 'writeGroups', 'delete groups');
    if (!(await this.deps.groups.delete(input.groupId))) throw new NotFoundError('group', input.groupId);
  }
}

/** ListGroups: by name; filters category, work zone (all-zone groups included), active. Roles: readGroups. */
export class ListGroupsUseCase {
  constructor(private readonly deps: { readonly groups: GroupRepository }) {}

  async execute(
    principal: Principal,
    input: { readonly category?: GroupCategory; readonly workZone?: string; readonly active?: boolean } = {},
  ): Promise<WhatsAppGroup[]> {
    authorize(principal, 'readGroups', 'list groups');
    if (input.category !== undefined && !GROUP_CATEGORIES.includes(input.category)) {
      throw new ValidationError('category', `unknown category "${input.category}"`);
    }
    return this.deps.groups.list({
      ...(input.category ? { category: input.category } : {}),
      ...(input.workZone ? { workZone: normalizeWorkZone(input.workZone) } : {}),
      ...(input.active !== undefined ? { active: input.active } : {}),
    });
  }
}
