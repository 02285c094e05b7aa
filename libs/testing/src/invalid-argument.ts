import { ValidationError } from '@notify/errors';

/**
 * Awaits a call that must fail with INVALID_ARGUMENT naming `field` (a `ValidationError` as
 * grpc-kit's client maps the status, its `field` from the status details), with a message that
 * contains `text` (a string) or matches it (a RegExp) when given. Resolves with the error for
 * further checks; rejects with an Error saying what happened instead (the call succeeded,
 * another error, another field, another message), so a test fails with that reason.
 */
export async function expectInvalidArgument(call: Promise<unknown>, field: string, text?: string | RegExp): Promise<ValidationError> {
  const outcome = await call.then(
    (value: unknown) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  if (outcome.ok) throw new Error(`expected INVALID_ARGUMENT naming ${field}, the call succeeded`);
  const err = outcome.err;
  if (!(err instanceof ValidationError)) throw new Error(`expected INVALID_ARGUMENT naming ${field}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  if (err.field !== field) throw new Error(`expected INVALID_ARGUMENT naming ${field}, it named ${err.field}: ${err.message}`);
  if (text !== undefined && !(typeof text === 'string' ? err.message.includes(text) : text.test(err.message))) {
    throw new Error(`expected the message of INVALID_ARGUMENT (${field}) to match ${String(text)}, got: ${err.message}`);
  }
  return err;
}
