import { gsm7Septets, measureSms } from '../../src/domain/sms-encoding';

describe('measureSms: GSM-7', () => {
  it.each([
    [1, 1],
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
    [459, 3],
    [460, 4],
  ])('%i plain characters → %i segment(s)', (length, segments) => {
    expect(measureSms('a'.repeat(length))).toEqual({ encoding: 'GSM-7', units: length, segments });
  });

  it('counts the extension table characters ^ { } \\ [ ~ ] | € as 2 septets', () => {
    for (const char of '^{}\\[~]|€') expect(gsm7Septets(char)).toBe(2);
    expect(measureSms('€')).toEqual({ encoding: 'GSM-7', units: 2, segments: 1 });
    // 159 + 2 = 161 septets: no longer one segment although it is 160 characters.
    expect(measureSms('a'.repeat(158) + '{}')).toEqual({ encoding: 'GSM-7', units: 162, segments: 2 });
    expect(measureSms('a'.repeat(158) + '€')).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(measureSms('a'.repeat(159) + '€')).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
  });

  it('never splits an escape pair across segments', () => {
    // 152 + 2 + 152 = 306 septets would be 2 × 153, but the pair cannot straddle the boundary.
    expect(measureSms('a'.repeat(152) + '[' + 'a'.repeat(152))).toEqual({ encoding: 'GSM-7', units: 306, segments: 3 });
    expect(measureSms('a'.repeat(151) + '[' + 'a'.repeat(153))).toEqual({ encoding: 'GSM-7', units: 306, segments: 2 });
  });

  it('treats the accented letters of the GSM alphabet (é, ñ, Ä, £, ¥) as GSM-7, 1 septet each', () => {
    expect(measureSms('éñÄ£¥§¿¡Øø')).toEqual({ encoding: 'GSM-7', units: 10, segments: 1 });
  });

  it('gives 0 segments for the empty text', () => {
    expect(measureSms('')).toEqual({ encoding: 'GSM-7', units: 0, segments: 0 });
  });
});

describe('measureSms: UCS-2', () => {
  it.each([
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
  ])('%i UTF-16 code units → %i segment(s)', (length, segments) => {
    const text = 'ā'.repeat(length); // U+0101 is not in GSM-7
    expect(measureSms(text)).toEqual({ encoding: 'UCS-2', units: length, segments });
  });

  it('switches the whole text to UCS-2 for one character outside GSM-7', () => {
    expect(measureSms('a'.repeat(100) + '’')).toEqual({ encoding: 'UCS-2', units: 101, segments: 2 });
    expect(measureSms('a'.repeat(69) + 'ç')).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 }); // ç is not in GSM-7 (only Ç)
  });

  it('counts an emoji as 2 code units (a surrogate pair)', () => {
    expect(measureSms('😀')).toEqual({ encoding: 'UCS-2', units: 2, segments: 1 });
    expect(measureSms('a'.repeat(68) + '😀')).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(measureSms('a'.repeat(69) + '😀')).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    expect(measureSms('🎫'.repeat(67) + 'a')).toEqual({ encoding: 'UCS-2', units: 135, segments: 3 });
  });

  it('never splits a surrogate pair across segments', () => {
    // 66 + 2 + 66 = 134 units would be 2 × 67, but the emoji cannot start at unit 67.
    expect(measureSms('a'.repeat(66) + '😀' + 'a'.repeat(66))).toEqual({ encoding: 'UCS-2', units: 134, segments: 3 });
    expect(measureSms('a'.repeat(65) + '😀' + 'a'.repeat(67))).toEqual({ encoding: 'UCS-2', units: 134, segments: 2 });
  });
});
