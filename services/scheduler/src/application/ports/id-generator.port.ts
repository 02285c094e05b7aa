import { randomUUID } from 'node:crypto';

/** Produces run ids (UUIDs). */
export interface IdGenerator {
  next(): string;
}

/** Random v4 UUIDs. */
export const uuidGenerator: IdGenerator = { next: () => randomUUID() };
