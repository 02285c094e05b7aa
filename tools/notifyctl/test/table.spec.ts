import { displayWidth, formatRecord, formatTable, oneLine, truncate } from '../src/table';

describe('formatTable', () => {
  it('pads every column to its widest cell, two spaces apart, no trailing spaces', () => {
    const out = formatTable(
      [{ header: 'NUMBER' }, { header: 'STATUS' }, { header: 'COUNT', align: 'right' }],
      [
        ['GGN-20261122-0001', 'OPEN', '7'],
        ['PSB-1', 'IN_PROGRESS', '1234'],
      ],
    );
    expect(out).toBe(
      ['NUMBER             STATUS       COUNT', 'GGN-20261122-0001  OPEN             7', 'PSB-1              IN_PROGRESS   1234', ''].join('\n'),
    );
    for (const line of out.split('\n')) expect(line).toBe(line.trimEnd());
  });

  it('prints (none) under the header when there are no rows', () => {
    expect(formatTable([{ header: 'ID' }, { header: 'NAME' }], [])).toBe('ID  NAME\n(none)\n');
  });

  it('cuts cells to maxWidth with an ellipsis and flattens line breaks', () => {
    const out = formatTable([{ header: 'TITLE', maxWidth: 10 }, { header: 'X' }], [['Internet mati total sejak pagi', 'a\nb']]);
    const [, row] = out.split('\n');
    expect(row).toBe('Internet …  a b');
    expect(displayWidth(row!.split('  ')[0]!)).toBe(10);
  });

  it('fills short rows with empty cells', () => {
    expect(formatTable([{ header: 'A' }, { header: 'B' }], [['1']])).toBe('A  B\n1\n');
  });

  it('counts code points, so Indonesian text and emoji line up by character', () => {
    const out = formatTable([{ header: 'N' }, { header: 'X' }], [['✅'], ['ab', 'c']]);
    expect(out).toBe('N   X\n✅\nab  c\n');
  });
});

describe('formatRecord', () => {
  it('aligns labels, leaves out empty values and indents continuation lines', () => {
    expect(
      formatRecord([
        ['ID', 'abc'],
        ['Technician', ''],
        ['Body', 'line 1\nline 2'],
      ]),
    ).toBe('ID:    abc\nBody:  line 1\n       line 2\n');
  });
});

describe('helpers', () => {
  it('truncate keeps short strings and cuts long ones to max code points', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
  });
  it('oneLine turns line breaks and tabs into a space and drops control characters', () => {
    expect(oneLine('a\r\n\tb\u0007c')).toBe('a bc');
  });
});
