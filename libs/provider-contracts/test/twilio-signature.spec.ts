import { twilioSignature, verifyTwilioSignature } from '../src';

describe('Twilio request signature (X-Twilio-Signature)', () => {
  const url = 'https://notify.example.id/webhooks/twilio/status?x=1';
  const cases = [
    {},
    { MessageSid: 'SM1', MessageStatus: 'delivered', To: '+6281234567890' },
    { b: ['2', '1'], a: 'ü', empty: '' },
  ];
  it.each(cases)('verifies its own signature for %j', (params) => {
    expect(verifyTwilioSignature('token', twilioSignature('token', url, params), url, params)).toBe(true);
  });
  it('rejects another token, URL or param value, and a missing signature', () => {
    const p = { MessageSid: 'SM1', MessageStatus: 'delivered' };
    const sig = twilioSignature('token', url, p);
    expect(verifyTwilioSignature('other', sig, url, p)).toBe(false);
    expect(verifyTwilioSignature('token', sig, url + '2', p)).toBe(false);
    expect(verifyTwilioSignature('token', sig, url, { ...p, MessageStatus: 'read' })).toBe(false);
    expect(verifyTwilioSignature('token', undefined, url, p)).toBe(false);
  });
});
