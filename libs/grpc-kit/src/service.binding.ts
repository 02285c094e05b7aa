import type * as grpc from '@grpc/grpc-js';
import { Role, ROLES, isRole } from './roles';

/** Kind of RPC, from the method definition's stream flags. */
export type MethodKind = 'unary' | 'serverStream' | 'clientStream' | 'bidi';

/** One RPC of a {@link BoundService}: its handler (if implemented) and allowed roles. */
export interface BoundMethod {
  /** Key in the service definition (`createTicket` for ts-proto, `CreateTicket` for proto-loader). */
  readonly key: string;
  /** RPC name as written in the proto (`CreateTicket`). */
  readonly name: string;
  /** Full path `/notify.ticket.v1.TicketService/CreateTicket`. */
  readonly path: string;
  readonly kind: MethodKind;
  /** The implementation's handler, or `undefined` → the call is answered UNIMPLEMENTED (after auth). */
  readonly handler: grpc.UntypedHandleCall | undefined;
  readonly roles: ReadonlySet<Role>;
}

/**
 * A service ready for {@link startGrpcServer}: definition, implementation and the roles each
 * RPC allows. Made by {@link bindService}; auth and error mapping are applied when the
 * server starts, because the API keys belong to the server.
 */
export interface BoundService {
  /** Full proto service name, e.g. `notify.ticket.v1.TicketService` (also the health name). */
  readonly serviceName: string;
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: object;
  readonly methods: readonly BoundMethod[];
}

/** Options for {@link bindService}. */
export interface BindServiceOptions {
  /**
   * Roles allowed per RPC (after the seeds' role table). Keys may be the proto RPC name
   * (`CreateTicket`) or the definition key (`createTicket`); every RPC of the definition
   * must appear exactly once with at least one role.
   */
  roles: Readonly<Record<string, readonly Role[]>>;
}

/**
 * Pairs a grpc-js service definition (ts-proto `XServiceService` or a proto-loader
 * definition) with its implementation and the roles each RPC allows.
 * RPCs missing from `implementation` are answered UNIMPLEMENTED after auth, so a skeleton
 * service can bind an empty implementation.
 * @throws Error (at startup, on purpose) when an RPC has no roles or an empty list, a roles
 *   key names no RPC of the definition, one RPC is named twice (two spellings), or a role is
 *   not one of ROLES. The message lists every problem.
 */
export function bindService<S extends grpc.UntypedServiceImplementation>(
  definition: grpc.ServiceDefinition<S>,
  implementation: Partial<S>,
  options: BindServiceOptions,
): BoundService {
  const problems: string[] = [];
  const used = new Set<string>();
  const impl = implementation as Record<string, unknown>;
  let serviceName: string | undefined;
  const methods: BoundMethod[] = [];

  for (const [key, def] of Object.entries(definition as grpc.ServiceDefinition)) {
    const match = /^\/([^/]+)\/([^/]+)$/.exec(def.path);
    if (!match) {
      problems.push(`method ${key} has a malformed path "${def.path}"`);
      continue;
    }
    const [, service, name] = match as unknown as [string, string, string];
    if (serviceName !== undefined && serviceName !== service) {
      problems.push(`definition mixes services ${serviceName} and ${service}`);
    }
    serviceName ??= service;
    const aliases = [...new Set([key, name, def.originalName].filter((a): a is string => typeof a === 'string'))];
    const declared = aliases.filter((a) => Object.prototype.hasOwnProperty.call(options.roles, a));
    declared.forEach((a) => used.add(a));
    if (declared.length === 0) {
      problems.push(`RPC ${name} declares no roles (add roles.${name})`);
      continue;
    }
    if (declared.length > 1) {
      problems.push(`RPC ${name} declares roles under several names: ${declared.join(', ')}`);
      continue;
    }
    const roles = options.roles[declared[0]!] ?? [];
    if (roles.length === 0) problems.push(`RPC ${name} declares an empty role list`);
    for (const role of roles) {
      if (!isRole(role)) problems.push(`RPC ${name}: unknown role "${role}" (one of: ${ROLES.join(', ')})`);
    }
    const handlerKey = aliases.find((a) => typeof impl[a] === 'function');
    const handler = handlerKey ? (impl[handlerKey] as grpc.UntypedHandleCall) : undefined;
    methods.push({
      key,
      name,
      path: def.path,
      kind: def.requestStream
        ? def.responseStream
          ? 'bidi'
          : 'clientStream'
        : def.responseStream
          ? 'serverStream'
          : 'unary',
      handler: handler ? (handler.bind(implementation) as grpc.UntypedHandleCall) : undefined,
      roles: new Set(roles),
    });
  }
  for (const key of Object.keys(options.roles)) {
    if (!used.has(key)) problems.push(`roles.${key} names no RPC of ${serviceName ?? 'the service'}`);
  }
  if (serviceName === undefined) problems.push('the service definition has no methods');
  if (problems.length > 0) {
    throw new Error(`bindService(${serviceName ?? '?'}): ${problems.join('; ')}`);
  }
  return Object.freeze({
    serviceName: serviceName!,
    definition: definition as grpc.ServiceDefinition,
    implementation,
    methods: Object.freeze(methods),
  });
}
