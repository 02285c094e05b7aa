import { twilioSignature, verifyTwilioSignature } from '../src';

// The two published vectors of Twilio's documentation snippets
// (TwilioDevEd/api-snippets security/signature_validation.{2,3}.x.js).
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const params = (caller: string) => ({ CallSid: 'CA1234567890ABCDE', Caller: caller, Digits: '1234', From: caller, To: '+18005551212' });

describe('twilioSignature (providers.md §3.3)', () => {
  it.each([
    ['+14158675309', 'RSOYDt4T1cUTdK1PDd93/VVr8B8='],
    ['+14158675310', 'GvWf1cFY/Q7PnoempGyD5oXAezc='],
  ])('matches Twilio’s published signature for Caller %s', (caller, expected) => {
    expect(twilioSignature('12345', URL_, params(caller))).toBe(expected);
    expect(verifyTwilioSignature('12345', expected, URL_, params(caller))).toBe(true);
  });

  it('does not depend on the order the params were given in', () => {
    const p = params('+14158675309');
    const reversed = Object.fromEntries(Object.entries(p).reverse());
    expect(twilioSignature('12345', URL_, reversed)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('rejects a changed param, URL, token or a missing signature', () => {
    const sig = twilioSignature('12345', URL_, params('+14158675309'));
    expect(verifyTwilioSignature('12345', sig, URL_, { ...params('+14158675309'), Digits: '1235' })).toBe(false);
    expect(verifyTwilioSignature('12345', sig, 'https://mycompany.com/myapp.php?foo=1&bar=3', params('+14158675309'))).toBe(false);
    expect(verifyTwilioSignature('54321', sig, URL_, params('+14158675309'))).toBe(false);
    expect(verifyTwilioSignature('12345', undefined, URL_, params('+14158675309'))).toBe(false);
    expect(verifyTwilioSignature('12345', '', URL_, params('+14158675309'))).toBe(false);
  });

  it('signs repeated params once per value, values sorted, and skips undefined', () => {
    const a = twilioSignature('t', 'https://x/y', { MediaUrl: ['b', 'a'], Body: 'hi', Skip: undefined });
    const b = twilioSignature('t', 'https://x/y', { Body: 'hi', MediaUrl: ['a', 'b'] });
    expect(a).toBe(b);
    expect(a).not.toBe(twilioSignature('t', 'https://x/y', { Body: 'hi', MediaUrl: 'a' }));
  });
});
