/** The RPCs whose `request_id` is an idempotency key; each has its own key space. */
export type IdempotentRpc = 'RegisterCustomer' | 'CreateInvoice';

/** A request already recorded under the caller's idempotency key. */
export interface RecordedCreateRequest {
  /** The id of the customer / invoice the first request created. */
  readonly entityId: string;
  /** Fingerprint of the request's fields (see RegisterCustomerUseCase / CreateInvoiceUseCase). */
  readonly fingerprint: string;
}

/**
 * Idempotency keys of RegisterCustomer and CreateInvoice (`request_id`, ≤ 200 characters, one key
 * space per RPC, kept), used inside a unit of work so the key commits with the entity it created.
 * The ticket service's CreateRequestLog, per RPC.
 */
export interface CreateRequestLog {
  /**
   * Records (`rpc`, `requestId`) → `entityId` with `fingerprint` and returns null when the key is
   * new; returns the earlier record (and records nothing) when the key was already used. A
   * concurrent transaction holding the same key makes this wait for it. Postgres:
   * `INSERT … ON CONFLICT (rpc, request_id) DO NOTHING`, then a read of the existing row.
   */
  claim(rpc: IdempotentRpc, requestId: string, entityId: string, fingerprint: string): Promise<RecordedCreateRequest | null>;
}
