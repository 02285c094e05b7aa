/** A staff member as the ticket service needs to see them (owned by the customer service). */
export interface StaffMember {
  readonly id: string;
  readonly name: string;
  /** admin | manager | supervisor | noc | customer_service | technician */
  readonly role: string;
  /** Normalized work-zone keys; empty = all zones. */
  readonly workZones: readonly string[];
  readonly active: boolean;
}

/**
 * Read access to staff (technicians' names and work zones). Implemented later by a gRPC
 * client of `CustomerService.GetStaff` (with a deadline); in-memory in unit tests.
 */
export interface StaffDirectory {
  /** The staff member, or null when unknown. */
  findStaff(staffId: string): Promise<StaffMember | null>;
}
