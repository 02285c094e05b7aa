import {
  AssignTicketUseCase,
  CancelTicketUseCase,
  CompleteTicketUseCase,
  CreateTicketUseCase,
  EscalateTicketUseCase,
  GetTicketStatsUseCase,
  GetTicketUseCase,
  HandleCustomerRegisteredUseCase,
  ListTicketsUseCase,
  StartTicketUseCase,
  type CreateTicketInput,
  type Principal,
} from '../../src/application';
import { FixedClock, InMemoryCustomerDirectory, InMemoryStaffDirectory, SequentialIds } from './fakes';
import { InMemoryTicketStore } from './in-memory-ticket-store';

export const ADMIN: Principal = { role: 'admin', staffId: 'adm-1', name: 'Admin' };
export const SUPERVISOR: Principal = { role: 'supervisor', staffId: 'sup-1', name: 'Sari' };
export const BUDI: Principal = { role: 'technician', staffId: 'tech-budi' };
export const ANDI: Principal = { role: 'technician', staffId: 'tech-andi' };
export const CITRA: Principal = { role: 'technician', staffId: 'tech-citra' };

/** All ticket use cases over in-memory ports, with a fixed clock at 2026-11-22 10:00 WIB. */
export function ticketFixture(start = '2026-11-22T03:00:00Z') {
  const store = new InMemoryTicketStore();
  const clock = new FixedClock(new Date(start));
  const ids = new SequentialIds();
  // One counter for the service-wide sequence and the units of work (TicketTransaction.numbers).
  const numbers = store.numbers;
  const staff = new InMemoryStaffDirectory().add(
    { id: 'tech-budi', name: 'Budi', role: 'technician', workZones: ['karawang'], active: true },
    { id: 'tech-andi', name: 'Andi', role: 'technician', workZones: ['karawang', 'bekasi'], active: true },
    { id: 'tech-citra', name: 'Citra', role: 'technician', workZones: ['bekasi'], active: true },
    { id: 'tech-old', name: 'Dodi', role: 'technician', workZones: ['karawang'], active: false },
    { id: 'sup-1', name: 'Sari', role: 'supervisor', workZones: ['karawang'], active: true },
  );
  const customers = new InMemoryCustomerDirectory().add('cust-1', 'c');
  const cmd = { uow: store.uow, clock, ids };
  const uc = {
    create: new CreateTicketUseCase({ ...cmd, numbers, customers }),
    get: new GetTicketUseCase({ tickets: store.repository }),
    list: new ListTicketsUseCase({ tickets: store.repository }),
    assign: new AssignTicketUseCase({ ...cmd, staff }),
    start: new StartTicketUseCase(cmd),
    complete: new CompleteTicketUseCase(cmd),
    cancel: new CancelTicketUseCase(cmd),
    escalate: new EscalateTicketUseCase(cmd),
    stats: new GetTicketStatsUseCase({ tickets: store.repository }),
    registered: new HandleCustomerRegisteredUseCase(cmd),
  };
  const newTicket = (overrides: Partial<CreateTicketInput> = {}) =>
    uc.create.execute(ADMIN, {
      type: 'GANGGUAN',
      priority: 'HIGH',
      customerId: 'cust-1',
      workZone: 'karawang',
      address: 'Jl. Tuparev No. 1, Karawang',
      description: 'Internet mati sejak pagi',
      ...overrides,
    });
  return { store, clock, ids, numbers, staff, customers, uc, newTicket };
}
