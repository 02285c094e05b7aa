import { ValidationError } from '@notify/errors';
import { commonv1 } from '@notify/proto';

/**
 * `value` when it is one of the values of the ts-proto enum `values` (UNSPECIFIED included; the
 * decoder's UNRECOGNIZED −1 excluded); else ValidationError(field) `unknown value N (one of …)`.
 * The wire carries any int32 in an enum field: a service checks it at its gRPC edge instead of
 * reading an integrator's typo as UNSPECIFIED or dropping it as a filter.
 */
export function knownEnum<E extends number>(value: E, values: Record<string, string | number>, field: string): E {
  const names = Object.entries(values).filter(([name, v]) => typeof v === 'number' && name !== 'UNRECOGNIZED');
  if (!names.some(([, v]) => v === value)) {
    throw new ValidationError(field, `unknown value ${value} (one of ${names.map(([name, v]) => `${name} = ${v}`).join(', ')})`);
  }
  return value;
}

/** The enums of a request's `actor`: values outside them are refused ({@link knownEnum}; `actor.kind`, `actor.role`). */
export function checkActor(actor: commonv1.Actor | undefined): void {
  if (!actor) return;
  knownEnum(actor.kind, commonv1.ActorKind, 'actor.kind');
  knownEnum(actor.role, commonv1.Role, 'actor.role');
}
