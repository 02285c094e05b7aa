/**
 * Whether a customer exists (customers are owned by the customer service): CreateTicket
 * refuses a ticket for a customer nobody could be told about. Implemented by a gRPC client of
 * `CustomerService.GetCustomer` (GrpcCustomerDirectory); in-memory in unit tests.
 */
export interface CustomerDirectory {
  /**
   * True when the customer with this id exists (any status), false when the customer service
   * answers NOT_FOUND. Other failures reject (UnavailableError, TimeoutError: the caller's RPC
   * fails with that status and nothing is created).
   */
  exists(customerId: string): Promise<boolean>;
}
