import { escapeUrl, escapeValue } from '../../src/domain/value-escaping';

describe('escapeValue', () => {
  it('replaces the WhatsApp markers * _ ~ ` with look-alikes on WhatsApp', () => {
    expect(escapeValue('*bold* _it_ ~del~ `code`', 'WHATSAPP')).toBe('∗bold∗ ˍitˍ ∼del∼ ˋcodeˋ');
  });

  it('keeps an underscore between two letters or digits (no WhatsApp marker there; QA: codes and addresses no longer copy-paste), replaces one at a word\'s edge', () => {
    expect(escapeValue('Network_Outage INV_2026_001 budi_s@mail.id Jl. 5_A', 'WHATSAPP')).toBe('Network_Outage INV_2026_001 budi_s@mail.id Jl. 5_A');
    expect(escapeValue('_it_ a_ _b x__y (_z_) Ü_ß', 'WHATSAPP')).toBe('ˍitˍ aˍ ˍb xˍˍy (ˍzˍ) Ü_ß');
  });

  it('keeps the markers on SMS (no formatting there; look-alikes would force UCS-2)', () => {
    expect(escapeValue('*bold* _it_ ~del~', 'SMS')).toBe('*bold* _it_ ~del~');
  });

  it('turns line breaks and tabs into one space each, so a value stays on one line', () => {
    for (const channel of ['WHATSAPP', 'SMS'] as const) {
      expect(escapeValue('a\nb\r\nc\rd\te\u2028f\u2029g\u0085h', channel)).toBe('a b c d e f g h');
    }
  });

  it('removes C0/C1 controls, DEL, bidi overrides, zero-width space and BOM, keeping emoji joiners', () => {
    const value = 'A\u0000B\u0007C\u001BD\u007FE\u009BF\u202EG\u2066H\u200BI\uFEFFJ';
    expect(escapeValue(value, 'WHATSAPP')).toBe('ABCDEFGHIJ');
    expect(escapeValue('👨‍🔧 teknisi', 'WHATSAPP')).toBe('👨‍🔧 teknisi'); // U+200D kept
  });
});

describe('escapeUrl', () => {
  it('percent-encodes markers and spaces and drops controls, keeping the link usable', () => {
    expect(escapeUrl('https://x.id/a_b?q=*~`&s=a b')).toBe('https://x.id/a%5Fb?q=%2A%7E%60&s=a%20b');
    expect(escapeUrl(' https://x.id/\nnext ')).toBe('https://x.id/next');
  });
});
