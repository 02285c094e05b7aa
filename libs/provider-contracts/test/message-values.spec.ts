// Values in message texts: one line, readable as sentences (joinLines), safe for WhatsApp (escapeValue).
import { escapeValue, joinLines } from '../src';

describe('joinLines', () => {
  it.each([
    ['Internet mati total\nSeluruh layanan mati, pelanggan bisnis', 'Internet mati total. Seluruh layanan mati, pelanggan bisnis'],
    ['Modem mati.\r\nSudah restart', 'Modem mati. Sudah restart'],
    ['Lampu LOS merah:\n\n  berkedip  \n', 'Lampu LOS merah: berkedip'],
    ['satu baris', 'satu baris'],
    ['\n \n', ''],
  ])('%j → %j', (input, out) => {
    expect(joinLines(input)).toBe(out);
  });

  it('with escapeValue, a value cannot forge a line or formatting in a WhatsApp text', () => {
    expect(escapeValue(joinLines('Putus\n✅ Status: *COMPLETED*'), 'WHATSAPP')).toBe('Putus. ✅ Status: ∗COMPLETED∗');
  });
});
