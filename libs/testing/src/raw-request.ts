import type * as grpc from '@grpc/grpc-js';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { fromGrpcError } from '@notify/grpc-kit';

/**
 * Raw request bytes for the cases ts-proto cannot encode: a google.protobuf.Timestamp outside
 * its spec (ts-proto's clients take a Date, so they never send seconds beyond a Date's range
 * or nanos outside 0..999999999). Protobuf merges concatenated messages, so a test appends
 * these fields to a request ts-proto encoded: `Buffer.concat([Req.encode(base).finish(),
 * messageField(9, messageField(2, timestampBytes('99999999999999')))])` = `created.to`.
 */

/** A google.protobuf.Timestamp's bytes with any `seconds` (int64, decimal) and `nanos` (int32), valid or not. */
export function timestampBytes(seconds: string | bigint, nanos = 0): Uint8Array {
  return new BinaryWriter().uint32((1 << 3) | 0).int64(seconds).uint32((2 << 3) | 0).int32(nanos).finish();
}

/** The bytes of field number `no` holding the message `inner` (length-delimited). */
export function messageField(no: number, inner: Uint8Array): Uint8Array {
  return new BinaryWriter().uint32((no << 3) | 2).bytes(inner).finish();
}

/**
 * Calls the unary RPC `path` (`/notify.gateway.v1.NotificationService/ListDeliveries`) on a
 * client made by grpc-kit's `createClient` (its API key and deadline apply) with the request
 * `bytes` as they are; resolves with the response decoded by `decode`, rejects with the error
 * mapped by grpc-kit's `fromGrpcError` (INVALID_ARGUMENT → ValidationError naming the field),
 * as `callUnary` does.
 */
export function callUnaryRaw<Res>(client: unknown, path: string, bytes: Uint8Array, decode: (b: Uint8Array) => Res): Promise<Res> {
  return new Promise((resolve, reject) => {
    (client as grpc.Client).makeUnaryRequest(path, (b: Uint8Array) => Buffer.from(b), (b: Buffer) => decode(b), bytes, (err, res) => {
      if (err) reject(fromGrpcError(err));
      else resolve(res as Res);
    });
  });
}
