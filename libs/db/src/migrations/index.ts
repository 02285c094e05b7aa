import { CreateDeadLetters1795300001000 } from './1795300001000-CreateDeadLetters';
import { CreateOutbox1795300000000 } from './1795300000000-CreateOutbox';
import { CreateProcessedEvents1795300002000 } from './1795300002000-CreateProcessedEvents';

export { CreateDeadLetters1795300001000, CreateOutbox1795300000000, CreateProcessedEvents1795300002000 };

/**
 * The platform tables every service schema gets (outbox, dead_letters, processed_events).
 * Spread into the service's migrations: `migrations: [...platformMigrations, ...own]`.
 */
export const platformMigrations = [
  CreateOutbox1795300000000,
  CreateDeadLetters1795300001000,
  CreateProcessedEvents1795300002000,
] as const;
