import { NotFoundError, PermissionDeniedError, ValidationError } from '@notify/errors';
import {
  applyPreferencesPatch,
  defaultPreferences,
  SUBJECT_KINDS,
  type NotificationPreferences,
  type PreferencesPatch,
  type SubjectRef,
} from '../../domain';
import type { Clock, CustomerRepository, CustomerUnitOfWork, GroupRepository, IdGenerator, PreferencesRepository, StaffRepository } from '../ports';
import { actorOf, authorize, type Principal } from '../principal';

type PreferencesDeps = {
  readonly preferences: PreferencesRepository;
  readonly customers: CustomerRepository;
  readonly staff: StaffRepository;
  readonly groups: GroupRepository;
  readonly clock: Clock;
};

type UpdatePreferencesDeps = PreferencesDeps & {
  /** The transaction the preferences and their `preferences_updated` event are written in. */
  readonly uow: CustomerUnitOfWork;
  readonly ids: IdGenerator;
};

/**
 * The RPC's role list decides (CUSTOMER_PERMISSIONS); a role in OWN_ONLY may act only on
 * its own preferences (UpdatePreferences: "technician (own)").
 */
function authorizeSubject(
  principal: Principal,
  subject: SubjectRef,
  op: 'GetPreferences' | 'UpdatePreferences',
  what: string,
): void {
  authorize(principal, op, what);
  const ownOnly: readonly string[] = OWN_ONLY[op];
  if (ownOnly.includes(principal.role) && !(subject.kind === 'staff' && principal.staffId === subject.id)) {
    throw new PermissionDeniedError(`role ${principal.role} may not ${what} of others`);
  }
}

/** Roles that may call the RPC only for their own record (the proto's "(own)"). */
const OWN_ONLY = { GetPreferences: [], UpdatePreferences: ['technician'] } as const;

async function requireSubject(deps: PreferencesDeps, subject: SubjectRef): Promise<void> {
  if (!SUBJECT_KINDS.includes(subject.kind)) throw new ValidationError('subject.kind', `must be customer, staff or group, got "${subject.kind}"`);
  const found =
    subject.kind === 'customer'
      ? await deps.customers.findById(subject.id)
      : subject.kind === 'staff'
        ? await deps.staff.findById(subject.id)
        : await deps.groups.findById(subject.id);
  if (!found) throw new NotFoundError(subject.kind, subject.id);
}

/**
 * GetPreferences of a customer, staff member or group: the stored ones or the defaults
 * (every channel on, no opt-outs, no quiet hours, locale `id`, Asia/Jakarta).
 * Roles: GetPreferences. Errors: NotFound (subject), Validation.
 */
export class GetPreferencesUseCase {
  constructor(private readonly deps: PreferencesDeps) {}

  async execute(principal: Principal, subject: SubjectRef): Promise<NotificationPreferences> {
    authorizeSubject(principal, subject, 'GetPreferences', 'read preferences');
    await requireSubject(this.deps, subject);
    return (await this.deps.preferences.get(subject)) ?? defaultPreferences(subject);
  }
}

/**
 * UpdatePreferences: partial update (channels on/off, opted-out notification types —
 * replaces the list —, quiet hours `HH:MM`–`HH:MM` or null, IANA time zone, locale id|en).
 * The preferences and their `preferences_updated` event (the whole preferences after the
 * change; the gateway re-plans the subject's messages held back by quiet hours) are written in
 * one transaction. Roles: UpdatePreferences (a technician only their own). Errors: NotFound,
 * Validation (channels, opted_out_types, quiet_hours.start/end, time_zone, locale).
 */
export class UpdatePreferencesUseCase {
  constructor(private readonly deps: UpdatePreferencesDeps) {}

  async execute(principal: Principal, input: { readonly subject: SubjectRef; readonly patch: PreferencesPatch }): Promise<NotificationPreferences> {
    authorizeSubject(principal, input.subject, 'UpdatePreferences', 'change preferences');
    await requireSubject(this.deps, input.subject);
    const current = (await this.deps.preferences.get(input.subject)) ?? defaultPreferences(input.subject);
    const at = this.deps.clock.now();
    const next = applyPreferencesPatch(current, input.patch, at);
    await this.deps.uow.run(async (tx) => {
      await tx.preferences.save(next);
      await tx.outbox.append({ eventId: this.deps.ids.newId(), kind: 'preferences_updated', occurredAt: at, actor: actorOf(principal), preferences: next });
    });
    return next;
  }
}
