import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Form parameters of a Twilio webhook as they were POSTed (`application/x-www-form-urlencoded`):
 * one string per name, or several strings for a repeated name.
 */
export type TwilioParams = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Computes `X-Twilio-Signature` for a form-encoded webhook, exactly as Twilio does
 * (providers.md §3.3, [high]; twilio.com/docs/usage/webhooks/webhooks-security):
 *
 *   base64( HMAC-SHA1( key = authToken,
 *                      data = url + concat over params sorted by name of (name + value) ) )
 *
 * - `url` is the full callback URL exactly as configured: scheme, host, port, path and query
 *   (so a `?secret=` or `?foo=1&bar=2` stays part of the signed data).
 * - Names are sorted by UTF-16 code unit (JavaScript's default sort, as twilio-node does);
 *   a repeated name contributes `name + value` once per value, values sorted too.
 * - `undefined` values are skipped (they were never posted).
 *
 * Checked against the two published vectors of Twilio's own documentation snippets
 * (test/twilio-signature.spec.ts). Returns the base64 signature string.
 */
export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    if (value === undefined) continue;
    const values = typeof value === 'string' ? [value] : [...value].sort();
    for (const v of values) data += name + v;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * Verifies a received `X-Twilio-Signature` header against `url` and the posted params, in
 * constant time. Returns false for a missing/empty signature or any mismatch (never throws).
 * The caller must pass the URL Twilio called (the public URL, including any query string),
 * not a URL rebuilt from a proxy's internal host.
 */
export function verifyTwilioSignature(
  authToken: string,
  signature: string | undefined | null,
  url: string,
  params: TwilioParams,
): boolean {
  if (!signature) return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
