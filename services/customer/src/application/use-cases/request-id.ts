import { ValidationError } from '@notify/errors';

/** Maximum length of `request_id` (RegisterCustomer, CreateInvoice; as CreateTicket's). */
export const REQUEST_ID_MAX = 200;

/**
 * An idempotency key as given (`request_id`): trimmed, null for none (absent or blank);
 * ValidationError(`request_id`, `is longer than 200 characters`) past {@link REQUEST_ID_MAX},
 * as the ticket service's CreateTicket.
 */
export function requestIdOf(raw: string | undefined): string | null {
  const requestId = raw?.trim() || null;
  if (requestId && requestId.length > REQUEST_ID_MAX) {
    throw new ValidationError('request_id', `is longer than ${REQUEST_ID_MAX} characters`);
  }
  return requestId;
}
