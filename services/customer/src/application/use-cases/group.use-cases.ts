import { AlreadyExistsError, NotFoundError, ValidationError } from '@notify/errors';
import { buildGroup, GROUP_CATEGORIES, type GroupCategory, type GroupFields, type WhatsAppGroup } from '../../domain';
import { normalizeWorkZone } from '@notify/work-zone';
import { decodePageToken, encodePageToken, resolvePageSize } from '@notify/paging';
import type { Clock, GroupRepository, IdGenerator } from '../ports';
import { authorize, type Principal } from '../principal';

type GroupDeps = { readonly groups: GroupRepository; readonly clock: Clock; readonly ids: IdGenerator };

async function requireFreeChatId(groups: GroupRepository, chatId: string, exceptId: string | null): Promise<void> {
  const holder = await groups.findByChatId(chatId);
  if (holder && holder.id !== exceptId) throw new AlreadyExistsError(`chat id ${chatId} already belongs to group ${holder.name} (${holder.id})`);
}

/**
 * CreateGroup: a WhatsApp group (whatsapp-notification-recommendation.md, "Phase 4: Master
 * Data Management"). Roles: CreateGroup. Errors: Validation (name, chat_id, category,
 * work_zone, notification_types), AlreadyExists (chat id).
 */
export class CreateGroupUseCase {
  constructor(private readonly deps: GroupDeps) {}

  async execute(principal: Principal, input: GroupFields): Promise<WhatsAppGroup> {
    authorize(principal, 'CreateGroup', 'create groups');
    const now = this.deps.clock.now();
    const group = buildGroup(this.deps.ids.newId(), input, now, now);
    await requireFreeChatId(this.deps.groups, group.chatId, null);
    await this.deps.groups.insert(group);
    return group;
  }
}

/** UpdateGroup: partial update (absent fields kept; `workZone: null` = all zones). Roles: UpdateGroup. Errors: NotFound, Validation, AlreadyExists. */
export class UpdateGroupUseCase {
  constructor(private readonly deps: GroupDeps) {}

  async execute(principal: Principal, input: { readonly groupId: string } & Partial<GroupFields>): Promise<WhatsAppGroup> {
    authorize(principal, 'UpdateGroup', 'update groups');
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

/** DeleteGroup. Roles: DeleteGroup. Errors: NotFound('group', id). */
export class DeleteGroupUseCase {
  constructor(private readonly deps: { readonly groups: GroupRepository }) {}

  async execute(principal: Principal, input: { readonly groupId: string }): Promise<void> {
    authorize(principal, 'DeleteGroup', 'delete groups');
    if (!(await this.deps.groups.delete(input.groupId))) throw new NotFoundError('group', input.groupId);
  }
}

export interface ListGroupsInput {
  /** Any of these categories (absent / empty = all). */
  readonly categories?: readonly GroupCategory[];
  readonly workZone?: string;
  readonly active?: boolean;
  readonly pageSize?: number;
  readonly pageToken?: string;
}

/**
 * ListGroups: by name then id (bytewise), in pages (opaque token of the last name and id);
 * filters any of categories, work zone (all-zone groups included), active. Groups are master
 * data (a few dozen rows): the page is cut from the full filtered list. Roles: ListGroups.
 * Errors: Validation (categories, work_zone, page_size, page_token).
 */
export class ListGroupsUseCase {
  constructor(private readonly deps: { readonly groups: GroupRepository }) {}

  async execute(principal: Principal, input: ListGroupsInput = {}): Promise<{ groups: WhatsAppGroup[]; nextPageToken: string | null }> {
    authorize(principal, 'ListGroups', 'list groups');
    const bad = input.categories?.find((c) => !GROUP_CATEGORIES.includes(c));
    if (bad !== undefined) throw new ValidationError('categories', `unknown category "${bad}"`);
    const limit = resolvePageSize(input.pageSize);
    const filter = {
      ...(input.categories?.length ? { categories: [...new Set(input.categories)] } : {}),
      ...(input.workZone ? { workZone: normalizeWorkZone(input.workZone) } : {}),
      ...(input.active !== undefined ? { active: input.active } : {}),
    };
    const after = input.pageToken ? decodePageToken(input.pageToken, ['n', 'i'] as const, filter) : null;
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    const all = (await this.deps.groups.list(filter)).sort((a, b) => cmp(a.name, b.name) || cmp(a.id, b.id));
    const rest = after ? all.filter((g) => (cmp(g.name, after.n) || cmp(g.id, after.i)) > 0) : all;
    const page = rest.slice(0, limit);
    const last = page.at(-1);
    return { groups: page, nextPageToken: rest.length > limit && last ? encodePageToken({ n: last.name, i: last.id }, filter) : null };
  }
}
