import type { Clock, CustomerDirectory, IdGenerator, StaffDirectory, StaffMember } from '../../src/application';

/** A clock that stays where it is set. */
export class FixedClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(at: Date | string): void {
    this.current = new Date(at);
  }
  advanceHours(hours: number): void {
    this.current = new Date(this.current.getTime() + hours * 3_600_000);
  }
}

/** Deterministic UUID-shaped ids: 00000000-0000-4000-8000-000000000001, …02, … */
export class SequentialIds implements IdGenerator {
  private n = 0;
  newId(): string {
    this.n += 1;
    return `00000000-0000-4000-8000-${String(this.n).padStart(12, '0')}`;
  }
}

export class InMemoryStaffDirectory implements StaffDirectory {
  readonly staff = new Map<string, StaffMember>();
  add(...members: StaffMember[]): this {
    for (const m of members) this.staff.set(m.id, m);
    return this;
  }
  async findStaff(staffId: string): Promise<StaffMember | null> {
    return this.staff.get(staffId) ?? null;
  }
}

/** Customers that exist, by id; every ask is recorded in `asked`. */
export class InMemoryCustomerDirectory implements CustomerDirectory {
  readonly ids = new Set<string>();
  readonly asked: string[] = [];
  add(...ids: string[]): this {
    for (const id of ids) this.ids.add(id);
    return this;
  }
  async exists(customerId: string): Promise<boolean> {
    this.asked.push(customerId);
    return this.ids.has(customerId);
  }
}
