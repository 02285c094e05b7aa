import { ValidationError } from '@notify/errors';
import { itemErrorOf, type Principal } from '@notify/grpc-kit';
import { commonv1, templatev1 } from '@notify/proto';
import type {
  BatchRenderOutcome, Channel, Locale, RenderResult, RenderTemplateInput, SmsEncoding, TemplateHead, TemplateVersion,
} from '../../index';

/**
 * proto ⇄ domain mapping of the template API. Domain types never leave the service as
 * proto types and vice versa; enums map to the domain's string unions.
 */

/** Proto Channel → domain channel; UNSPECIFIED (or unknown) → ValidationError('channel'). */
export function channelFromProto(value: commonv1.Channel): Channel {
  if (value === commonv1.Channel.CHANNEL_WHATSAPP) return 'WHATSAPP';
  if (value === commonv1.Channel.CHANNEL_SMS) return 'SMS';
  throw new ValidationError('channel', 'is required (CHANNEL_WHATSAPP or CHANNEL_SMS)');
}

/** Optional channel filter: UNSPECIFIED → undefined (all channels). */
export function channelFilterFromProto(value: commonv1.Channel): Channel | undefined {
  return value === commonv1.Channel.CHANNEL_UNSPECIFIED ? undefined : channelFromProto(value);
}

/** Proto Locale → domain locale; UNSPECIFIED → `id` (LOCALE_ID); unknown → ValidationError('locale'). */
export function localeFromProto(value: commonv1.Locale): Locale {
  if (value === commonv1.Locale.LOCALE_UNSPECIFIED || value === commonv1.Locale.LOCALE_ID) return 'id';
  if (value === commonv1.Locale.LOCALE_EN) return 'en';
  throw new ValidationError('locale', 'must be LOCALE_ID or LOCALE_EN');
}

/** Optional locale filter: UNSPECIFIED → undefined (all locales). */
export function localeFilterFromProto(value: commonv1.Locale): Locale | undefined {
  return value === commonv1.Locale.LOCALE_UNSPECIFIED ? undefined : localeFromProto(value);
}

/** Locale required (UpsertTemplate): UNSPECIFIED → ValidationError('locale'). */
export function requiredLocaleFromProto(value: commonv1.Locale): Locale {
  if (value === commonv1.Locale.LOCALE_UNSPECIFIED) throw new ValidationError('locale', 'is required (LOCALE_ID or LOCALE_EN)');
  return localeFromProto(value);
}

export function channelToProto(channel: Channel): commonv1.Channel {
  return channel === 'SMS' ? commonv1.Channel.CHANNEL_SMS : commonv1.Channel.CHANNEL_WHATSAPP;
}

export function localeToProto(locale: Locale): commonv1.Locale {
  return locale === 'en' ? commonv1.Locale.LOCALE_EN : commonv1.Locale.LOCALE_ID;
}

export function smsEncodingToProto(encoding: SmsEncoding | undefined): templatev1.SmsEncoding {
  if (encoding === 'GSM-7') return templatev1.SmsEncoding.SMS_ENCODING_GSM_7;
  if (encoding === 'UCS-2') return templatev1.SmsEncoding.SMS_ENCODING_UCS_2;
  return templatev1.SmsEncoding.SMS_ENCODING_UNSPECIFIED;
}

/**
 * The actor recorded on versions and activations: `staff:<staff id>` for keys bound to a
 * staff member; `key:<key id>` (the log-safe API key id) for a service's key; `role:<role>`
 * for a person's key bound to no staff member (an admin key: shown as `staff:admin`, as the
 * ticket service records it; QA: it read `service:<key id>`, as if a service had edited it);
 * `seed` for the defaults.
 */
export function actorOf(principal: Principal): string {
  if (principal.staffId) return `staff:${principal.staffId}`;
  return principal.role === 'service' ? `key:${principal.keyId}` : `role:${principal.role}`;
}

/** The recorded actor text → proto Actor (STAFF, SERVICE for a service's key, SYSTEM otherwise). */
export function actorToProto(actor: string): commonv1.Actor {
  const role = commonv1.Role.ROLE_UNSPECIFIED;
  if (actor.startsWith('staff:')) return { kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: actor.slice(6), name: '', role };
  if (actor.startsWith('role:')) {
    const name = actor.slice(5);
    const proto = (commonv1.Role as unknown as Record<string, number>)[`ROLE_${name.toUpperCase()}`] ?? commonv1.Role.ROLE_UNSPECIFIED;
    return { kind: commonv1.ActorKind.ACTOR_KIND_STAFF, id: name, name: '', role: proto };
  }
  if (actor.startsWith('key:')) return { kind: commonv1.ActorKind.ACTOR_KIND_SERVICE, id: actor.slice(4), name: actor.slice(4), role };
  return { kind: commonv1.ActorKind.ACTOR_KIND_SYSTEM, id: '', name: actor, role };
}

/** A stored version → proto Template (`variables` sorted; `active` from the head). */
export function templateToProto(version: TemplateVersion, head: TemplateHead, variables: readonly string[]): templatev1.Template {
  return {
    key: version.key,
    channel: channelToProto(version.channel),
    locale: localeToProto(version.locale),
    version: version.version,
    body: version.body,
    description: version.description,
    sampleVariables: { ...version.sampleVariables },
    variables: [...variables].sort(),
    active: version.version === head.activeVersion,
    createdAt: version.createdAt,
    createdBy: actorToProto(version.createdBy),
  };
}

/** A render result → RenderTemplateResponse (encoding/segments 0 for WhatsApp). */
export function renderResultToProto(result: RenderResult): templatev1.RenderTemplateResponse {
  return {
    text: result.text,
    version: result.version,
    locale: localeToProto(result.locale),
    encoding: smsEncodingToProto(result.encoding),
    segments: result.segments ?? 0,
    length: result.characters,
  };
}

/**
 * RenderTemplateRequest (also one item of BatchRenderTemplates) → RenderTemplateInput. Throws
 * ValidationError('channel') for CHANNEL_UNSPECIFIED and ValidationError('locale') for an
 * unknown locale; `variables` unset → {}; `version` 0 → the active version.
 */
export function renderInputFromProto(req: templatev1.RenderTemplateRequest): RenderTemplateInput {
  return {
    key: req.key,
    channel: channelFromProto(req.channel),
    locale: localeFromProto(req.locale),
    variables: req.variables ?? {},
    version: req.version,
  };
}

/**
 * One item's outcome → BatchRenderTemplatesResult: `rendered` (as renderResultToProto), or
 * `error` with the status the error maps to in grpc-kit's table (statusFor: ValidationError →
 * 3 INVALID_ARGUMENT, NotFoundError → 5 NOT_FOUND), its message, and the detail a failed call
 * carries in trailing metadata (`field`; `entity`, `entity_id`).
 */
export function batchOutcomeToProto(outcome: BatchRenderOutcome): templatev1.BatchRenderTemplatesResult {
  if (outcome.ok) return { outcome: { $case: 'rendered', value: renderResultToProto(outcome.result) } };
  return { outcome: { $case: 'error', value: itemErrorOf(outcome.error) } };
}
