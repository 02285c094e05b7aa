import { twilioSignature as simSignature } from '@notify/provider-sim';
import { twilioSignature, verifyTwilioSignature } from '../../src/transport/http/twilio-signature';

describe('gateway twilio-signature (copy of provider-sim\'s)', () => {
  const url = 'https://notify.example.id/webhooks/twilio/status?x=1';
  const cases = [
    {},
    { MessageSid: 'SM1', MessageStatus: 'delivered', To: '+6281234567890' },
    { b: ['2', '1'], a: 'ü', empty: '' },
  ];
  it.each(cases)('agrees with the simulator for %j', (params) => {
    expect(twilioSignature('token', url, params)).toBe(simSignature('token', url, params));
    expect(verifyTwilioSignature('token', simSignature('token', url, params), url, params)).toBe(true);
  });
  it('rejects another token, URL or param value, and a missing signature', () => {
    const p = { MessageSid: 'SM1', MessageStatus: 'delivered' };
    const sig = simSignature('token', url, p);
    expect(verifyTwilioSignature('other', sig, url, p)).toBe(false);
    expect(verifyTwilioSignature('token', sig, url + '2', p)).toBe(false);
    expect(verifyTwilioSignature('token', sig, url, { ...p, MessageStatus: 'read' })).toBe(false);
    expect(verifyTwilioSignature('token', undefined, url, p)).toBe(false);
  });
});
