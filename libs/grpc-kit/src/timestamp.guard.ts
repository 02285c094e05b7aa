import type * as grpc from '@grpc/grpc-js';
import type * as protoLoader from '@grpc/proto-loader';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { ValidationError } from '@notify/errors';
import { timestampFromProto } from './request-fields';

/**
 * The wire check of google.protobuf.Timestamp fields in requests. ts-proto (`useDate=true`)
 * decodes a Timestamp into a Date and loses what made it invalid: nanos outside 0..999999999
 * only shift the Date (2000000000 = 2 s later; −5 = 1 ms earlier) and seconds beyond what a Date
 * holds give `Invalid Date`. So the server reads the Timestamps of each request a second time
 * from the bytes, with the request's descriptor (the reflection protos), and checks them with
 * timestampFromProto; the first invalid one is kept for the handler adapters (`unary`,
 * `serverStream`), which refuse the call with INVALID_ARGUMENT naming its proto path (e.g.
 * `created.to`, `requests[1].context.x`) before the handler runs. Requests whose type holds no
 * Timestamp are not read twice.
 */

const TIMESTAMP = 'google.protobuf.Timestamp';
const DESCRIPTOR_FORMAT = 'Protocol Buffer 3 DescriptorProto';

interface FieldDescriptor {
  readonly name: string;
  readonly number: number;
  readonly label: string;
  readonly type: string;
  readonly typeName: string;
}
interface MessageDescriptor {
  readonly name: string;
  readonly field: readonly FieldDescriptor[];
}
/** A message field that is or holds a Timestamp: proto name and number, repeated, target type full name. */
interface TimestampPath {
  readonly name: string;
  readonly number: number;
  readonly repeated: boolean;
  readonly type: string;
}

/** The first invalid Timestamp of a request decoded by a wrapped deserializer. */
const invalid = new WeakMap<object, ValidationError>();

/** The ValidationError of the request's first invalid Timestamp (wire check), if any. */
export function invalidTimestampOf(request: unknown): ValidationError | undefined {
  return typeof request === 'object' && request !== null ? invalid.get(request) : undefined;
}

/**
 * `definition` with each method's `requestDeserialize` followed by the wire check of its
 * Timestamps, when its request type (found in `descriptors`, proto-loader's package definition
 * of the served protos) holds any; the other methods are left as they are.
 */
export function withTimestampCheck(definition: grpc.ServiceDefinition, descriptors: protoLoader.PackageDefinition): grpc.ServiceDefinition {
  const messages = new Map<string, MessageDescriptor>();
  for (const [name, entry] of Object.entries(descriptors)) {
    if ((entry as { format?: string }).format === DESCRIPTOR_FORMAT) messages.set(name, (entry as { type: unknown }).type as MessageDescriptor);
  }
  const plans = new Map<string, readonly TimestampPath[] | null>();
  /** The fields of `type` that are or hold Timestamps (null: none); cycles count as none. */
  const planOf = (type: string): readonly TimestampPath[] | null => {
    if (plans.has(type)) return plans.get(type)!;
    plans.set(type, null);
    const message = messages.get(type);
    const out: TimestampPath[] = [];
    for (const f of message?.field ?? []) {
      if (f.type !== 'TYPE_MESSAGE') continue;
      const target = resolve(messages, type, f.typeName);
      if (target && (target === TIMESTAMP || planOf(target))) out.push({ name: f.name, number: f.number, repeated: f.label === 'LABEL_REPEATED', type: target });
    }
    const plan = out.length ? out : null;
    plans.set(type, plan);
    return plan;
  };
  const wrapped: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(definition)) {
    const service = method.path.split('/')[1] ?? '';
    const requestName = (descriptors[service] as Record<string, { requestType?: { type?: MessageDescriptor } }> | undefined)?.[method.path.split('/')[2] ?? '']?.requestType?.type?.name;
    const requestType = requestName ? resolve(messages, service, requestName) : undefined;
    const plan = requestType ? planOf(requestType) : null;
    if (!plan) {
      wrapped[key] = method;
      continue;
    }
    const deserialize = method.requestDeserialize;
    wrapped[key] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        const request = deserialize(bytes) as unknown;
        if (typeof request === 'object' && request !== null) {
          try {
            check(new BinaryReader(bytes), bytes.length, requestType!, '', planOf);
          } catch (err) {
            // Only a ValidationError is kept: malformed bytes already failed ts-proto's decode.
            if (err instanceof ValidationError) invalid.set(request, err);
          }
        }
        return request;
      },
    };
  }
  return wrapped;
}

/** Reads the message of `type` up to `end`, checking each Timestamp reached through `planOf`. */
function check(reader: BinaryReader, end: number, type: string, path: string, planOf: (type: string) => readonly TimestampPath[] | null): void {
  const plan = planOf(type) ?? [];
  const counts = new Map<string, number>();
  while (reader.pos < end) {
    const [no, wireType] = reader.tag();
    const field = wireType === WireType.LengthDelimited ? plan.find((f) => f.number === no) : undefined;
    if (!field) {
      reader.skip(wireType, no);
      continue;
    }
    const index = counts.get(field.name) ?? 0;
    counts.set(field.name, index + 1);
    const fieldPath = `${path ? `${path}.` : ''}${field.name}${field.repeated ? `[${index}]` : ''}`;
    const len = reader.uint32();
    const stop = reader.pos + len;
    if (field.type === TIMESTAMP) timestampFromProto(readTimestamp(reader, stop), fieldPath);
    else check(reader, stop, field.type, fieldPath, planOf);
    reader.pos = stop;
  }
}

/** The seconds (field 1) and nanos (field 2) of the Timestamp message that ends at `end`. */
function readTimestamp(reader: BinaryReader, end: number): { seconds: bigint | string; nanos: number } {
  let seconds: bigint | string = '0';
  let nanos = 0;
  while (reader.pos < end) {
    const [no, wireType] = reader.tag();
    if (no === 1 && wireType === WireType.Varint) seconds = reader.int64();
    else if (no === 2 && wireType === WireType.Varint) nanos = reader.int32();
    else reader.skip(wireType, no);
  }
  return { seconds, nanos };
}

/**
 * The full name of the message type `name` as written in a field of `scope` (a message or
 * service full name), by the protobuf scoping rules: absolute when it starts with a dot, else
 * looked up in `scope`, then in each enclosing scope outwards (`common.v1.TimeRange` in
 * `notify.gateway.v1.ListDeliveriesRequest` → `notify.common.v1.TimeRange`).
 */
function resolve(messages: ReadonlyMap<string, unknown>, scope: string, name: string): string | undefined {
  if (name.startsWith('.')) return messages.has(name.slice(1)) ? name.slice(1) : undefined;
  const parts = scope.split('.');
  for (let i = parts.length; i >= 0; i--) {
    const candidate = [...parts.slice(0, i), name].join('.');
    if (messages.has(candidate)) return candidate;
  }
  return undefined;
}
