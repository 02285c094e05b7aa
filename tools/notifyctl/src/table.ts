/**
 * Plain-text tables for notifyctl's human-readable output (no colours, no dependency):
 *
 *   NUMBER             STATUS  PRIORITY
 *   GGN-20261122-0001  OPEN    HIGH
 *
 * Widths count Unicode code points (emoji and CJK may look wider in a terminal; the
 * columns still line up for the Latin and Indonesian text the services return).
 */

/** One column of {@link formatTable}. */
export interface Column {
  /** Header text, printed as given (callers pass upper case). */
  header: string;
  /** `right` for numbers; default `left`. */
  align?: 'left' | 'right';
  /** Longest cell in code points; longer cells end in `…`. Default: no limit. */
  maxWidth?: number;
}

/** Number of code points of `s` (what the table pads to). */
export function displayWidth(s: string): number {
  return [...s].length;
}

/** `s` cut to `max` code points, the last one replaced by `…` when cut; `max` ≥ 1. */
export function truncate(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  return chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}

/** A cell as one line: line breaks and tabs become a space, other control characters go. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');
}

/**
 * Formats rows under headers, columns separated by two spaces, no trailing spaces; each
 * line ends with `\n`. A row shorter than `columns` is padded with empty cells; cells are
 * flattened to one line ({@link oneLine}) and cut to the column's `maxWidth`.
 * With no rows the result is the header line followed by `(none)`.
 */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) =>
    columns.map((col, i) => {
      const text = oneLine(row[i] ?? '');
      return col.maxWidth !== undefined ? truncate(text, col.maxWidth) : text;
    }),
  );
  const widths = columns.map((col, i) => Math.max(displayWidth(col.header), ...cells.map((r) => displayWidth(r[i]!))));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => {
        const pad = ' '.repeat(widths[i]! - displayWidth(v));
        return columns[i]!.align === 'right' ? pad + v : v + pad;
      })
      .join('  ')
      .trimEnd() + '\n';
  const out = [line(columns.map((c) => c.header))];
  if (cells.length === 0) out.push('(none)\n');
  for (const r of cells) out.push(line(r));
  return out.join('');
}

/**
 * Formats label/value pairs one per line, labels padded to the longest (`Status:  OPEN`);
 * pairs whose value is empty are left out. Multi-line values (message bodies) keep their
 * line breaks, continuation lines indented under the value.
 */
export function formatRecord(pairs: readonly (readonly [string, string])[]): string {
  const shown = pairs.filter(([, v]) => v !== '');
  const width = Math.max(0, ...shown.map(([k]) => displayWidth(k) + 1));
  return shown
    .map(([k, v]) => {
      const label = `${k}:`.padEnd(width + (`${k}:`.length - displayWidth(`${k}:`)));
      const [first, ...rest] = v.split('\n');
      return [`${label}  ${first}`, ...rest.map((l) => `${' '.repeat(width + 2)}${l}`)].map((l) => l.trimEnd()).join('\n') + '\n';
    })
    .join('');
}
