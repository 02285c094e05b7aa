import { phoneToE164Digits } from '@notify/phone';
import type { Job, StaffMember } from './reply.ports';

/**
 * Pure rules of the technician reply flow (no I/O). Sources:
 * - customer-notification-system.md, "Technician Takes Job (Button "1")", "Technician Starts
 *   Job (Button "1" on assigned job)", "Technician Completes Job (Button "1" on in-progress
 *   job)": one key, "1", moves the technician's job one step on;
 * - customer-notification-system.md, "Phone Number Format": numbers are compared as E.164
 *   digits (`082291921583` → `6282291921583`; `254798765432` stays `254798765432`);
 * - issue 5, "Receipts and replies": "a staff member's WhatsApp reply `1` takes the job offered
 *   to them": "1" answers the latest job message the technician received ({@link stepOn}), and
 *   only without one does the order of {@link decideJob} choose.
 */

/** WhatsApp JID suffixes a provider may leave on a personal number (`6282…@s.whatsapp.net`). */
const PERSONAL_JID = /@(s\.whatsapp\.net|c\.us)$/i;

/**
 * The writer's number as E.164 digits without `+` (the form staff phones are stored in,
 * customer.proto `Staff.phone`), or null when it is not a valid phone number (empty, a group id
 * `…@g.us`, letters, wrong length). A provider's sender is E.164 digits (Fonnte `sender`, Wablas
 * `phone`: providers.md), so bare digits not starting with `0` are read as E.164 first — a
 * Singapore `6591234567` stays itself, where a person's typing would be read as Indonesian
 * (`@notify/phone`) — and only when that is no valid number in the Indonesian way; with `+` in its
 * own country; a leading `0` is Indonesian: `082291921583`, `+6282291921583`, `6282291921583` and
 * `6282291921583@s.whatsapp.net` all give `6282291921583`; `254798765432` and `+254 798 765432`
 * give `254798765432`.
 */
export function normalizeSenderPhone(raw: string): string | null {
  const s = (raw ?? '').trim().replace(PERSONAL_JID, '');
  if (/^[1-9]\d+$/.test(s)) return phoneToE164Digits(`+${s}`) ?? phoneToE164Digits(s);
  return phoneToE164Digits(s);
}

/**
 * True when the message is the job key: the text trimmed is "1", also in WhatsApp's formatting
 * marks (`*1*` bold, `_1_`, `~1~`, `` `1` ``) or with one closing `.`, `!` or `)` (QA: "1." and
 * "*1*" got the help text); "11", "1 ok", "satu", "2" are not. Source: the seeds' "press 1" (see
 * file header).
 */
export function isJobCommand(text: string): boolean {
  return /^[*_~`]*1[*_~`]*[.!)]?$/.test((text ?? '').trim());
}

/** The step "1" takes on a job. */
export type JobStep = 'complete' | 'start' | 'take';

/** What "1" does for a technician, given their jobs and the OPEN jobs of their zones. */
export type JobDecision = { readonly step: JobStep; readonly job: Job } | null;

/**
 * What "1" does to the ticket of the latest job message the technician received (the message the
 * "1" answers), given that ticket as it is now:
 * - OPEN, in one of their work zones (any zone when they have none): take it (the message was the
 *   offer: "Balas *1* untuk mengambil tiket ini");
 * - theirs and ASSIGNED: start it (after the take confirmation or an assignment notice: "Balas
 *   *1* saat Anda mulai mengerjakan");
 * - theirs and IN_PROGRESS: complete it (after the start confirmation: "Balas *1* jika pekerjaan
 *   sudah selesai");
 * - anything else (held by another technician, CANCELLED, COMPLETED, OPEN outside their zones):
 *   null, the ticket is no longer theirs to move.
 * The flow's own confirmations are not job messages in the log, but each one is about the same
 * ticket as the message it answered, so the reference stays on that ticket and its state gives
 * the next step. Whatever else the technician holds (a job IN_PROGRESS) is left untouched.
 */
export function stepOn(job: Job, staff: Pick<StaffMember, 'id' | 'workZones'>): JobStep | null {
  if (job.status === 'OPEN') return staff.workZones.length === 0 || staff.workZones.includes(job.workZone.trim().toLowerCase()) ? 'take' : null;
  if (job.technicianId !== staff.id) return null;
  if (job.status === 'ASSIGNED') return 'start';
  if (job.status === 'IN_PROGRESS') return 'complete';
  return null;
}

/**
 * Which job "1" acts on when it answers no job message (none was sent to the technician, or the
 * one it answers is no longer theirs and they have been answered since: see the use case), in
 * this order (the seeds' three "press 1" steps, applied to the job furthest along first):
 * 1. a job of theirs IN_PROGRESS → complete it;
 * 2. else a job of theirs ASSIGNED → start it;
 * 3. else the oldest OPEN job in one of their work zones (with no job message to go by, the
 *    offer waiting longest) → take it;
 * 4. else nothing (null).
 * Within a step the oldest job (created_at, then number) is chosen, so the choice is stable.
 */
export function decideJob(inProgress: readonly Job[], assigned: readonly Job[], open: readonly Job[]): JobDecision {
  const mine = oldestJob(inProgress);
  if (mine) return { step: 'complete', job: mine };
  const next = oldestJob(assigned);
  if (next) return { step: 'start', job: next };
  const offered = oldestJob(open.filter((j) => j.status === 'OPEN'));
  return offered ? { step: 'take', job: offered } : null;
}

/** The job created first (ties: the lower ticket number); undefined for an empty list. */
export function oldestJob(jobs: readonly Job[]): Job | undefined {
  let best: Job | undefined;
  for (const j of jobs) {
    if (!best) best = j;
    else {
      const d = j.createdAt.getTime() - best.createdAt.getTime();
      if (d < 0 || (d === 0 && j.number < best.number)) best = j;
    }
  }
  return best;
}

/** The state a step leaves its job in. */
const STEP_TARGET: Record<JobStep, Job['status']> = { take: 'ASSIGNED', start: 'IN_PROGRESS', complete: 'COMPLETED' };

/**
 * Whether `step`, attempted on `before` for technician `staffId`, is what produced `after` (the
 * ticket re-read after the call's outcome was unknown, e.g. DEADLINE_EXCEEDED after the request
 * was sent): `after` is in the step's target state, held by the technician, exactly one version
 * on. Used so a lost answer is confirmed instead of the technician being told to press "1"
 * again, which would move the job one step further than they meant.
 */
export function stepApplied(step: JobStep, before: Job, after: Job | null, staffId: string): boolean {
  return !!after && after.id === before.id && after.status === STEP_TARGET[step] && after.technicianId === staffId && after.version === before.version + 1;
}

/**
 * A phone number as shown to technicians: E.164 digits get their `+` (`6281234567001` →
 * `+6281234567001`, the template service's `phone` filter); anything else is shown as it is.
 */
export function displayPhone(phone: string): string {
  return /^\d+$/.test(phone) ? `+${phone}` : phone;
}

/** Western Indonesia Time (WIB) is UTC+7 all year (no daylight saving). */
const WIB_OFFSET_MS = 7 * 3_600_000;

/**
 * A moment as shown to technicians: `22/11/2026 14:30 WIB` (day/month/year, 24-hour, Asia/Jakarta),
 * the date style of the seeds' messages ("📅 Dibuat", "🕐 Dimulai", "🕐 Selesai").
 */
export function formatWib(at: Date): string {
  const d = new Date(at.getTime() + WIB_OFFSET_MS);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} WIB`;
}
