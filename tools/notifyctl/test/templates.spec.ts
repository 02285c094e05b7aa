import { commonv1 } from '@notify/proto';
import { callFailureOf } from '../src/errors';
import { defaultChannel, editHint, mergeSamples } from '../src/commands/templates';

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

describe('editHint (templates edit refused)', () => {
  it('names the CLI flag for a variable the events do not carry, the --samples for a missing sample, nothing otherwise', () => {
    expect(editHint(new Error('body: uses {{ cs_phone }}, which … To store it anyway (a Notify caller passes it), set allow_unsupplied_variables'))).toBe('notifyctl: --allow-unsupplied-variables stores it anyway');
    expect(editHint(new Error('sample_variables: missing variables: cs_phone, area.name'))).toBe(`give a sample of each with --samples '{"cs_phone": "…", "area": "…"}'`);
    expect(editHint(new Error('body: does not parse at line 1, column 6: x'))).toBeUndefined();
  });
});
