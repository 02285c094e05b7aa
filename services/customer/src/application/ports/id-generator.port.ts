import { randomUUID } from 'node:crypto';

/** Source of new ids (ticket ids and event ids): RFC 4122 UUID strings. */
export interface IdGenerator {
  newId(): string;
}

/** Random UUID v4 (node:crypto). */
export const uuidGenerator: IdGenerator = { newId: () => randomUUID() };
