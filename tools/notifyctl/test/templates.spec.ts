import { commonv1 } from '@notify/proto';
import { callFailureOf } from '../src/errors';
import { defaultChannel, mergeSamples } from '../src/commands/templates';

const { CHANNEL_WHATSAPP: WA, CHANNEL_SMS: SMS } = commonv1.Channel;

describe('defaultChannel (templates render / preview without --channel)', () => {
  it('takes the key\'s only channel, whatever its locales, without a note', () => {
    expect(defaultChannel('welcome.wa', [WA, WA])).toEqual({ channel: WA });
    expect(defaultChannel('otp.sms', [SMS])).toEqual({ channel: SMS });
  });

  it('takes WhatsApp when the key has both, and says so', () => {
    expect(defaultChannel('ticket.assigned.disturbance', [SMS, WA, SMS])).toEqual({
      channel: WA,
      note: 'note: ticket.assigned.disturbance has WHATSAPP and SMS versions: rendered the WHATSAPP one (--channel sms for the other)',
    });
  });

  it('is NOT_FOUND for a key with no version', () => {
    let err: unknown;
    try {
      defaultChannel('no.such.key', []);
    } catch (e) {
      err = e;
    }
    expect(callFailureOf(err)).toEqual({ status: 'NOT_FOUND', message: 'template no.such.key not found (no version on any channel)' });
  });
});

describe('mergeSamples (templates edit --samples)', () => {
  it('keeps the latest version\'s samples and adds or replaces the given ones (QA: the given ones replaced them all)', () => {
    expect(mergeSamples({ customer_name: 'Budi', ticket_number: 'GGN-1' }, { new_var: 'x', customer_name: 'Sari' })).toEqual({
      customer_name: 'Sari', ticket_number: 'GGN-1', new_var: 'x',
    });
  });

  it('is the given samples for a new template', () => {
    expect(mergeSamples(undefined, { customer_name: 'Budi' })).toEqual({ customer_name: 'Budi' });
  });
});
