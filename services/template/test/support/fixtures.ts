import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** test/fixtures/ */
export const FIXTURES_DIR = resolve(__dirname, '..', 'fixtures');

/**
 * The seed documents, at `<repo>/../shared/reference/seeds` (the repository is checked out
 * next to `shared`). Undefined when they are not there; tests that compare with them skip.
 */
export const SEEDS_DIR: string | undefined = (() => {
  const dir = resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'reference', 'seeds');
  return existsSync(dir) ? dir : undefined;
})();

/** A fixture file's exact bytes as UTF-8 text (fixtures have no trailing newline). */
export function readFixture(relativePath: string): string {
  return readFileSync(join(FIXTURES_DIR, relativePath), 'utf8');
}

/** A seed document's text; only call when SEEDS_DIR is defined. */
export function readSeed(file: string): string {
  return readFileSync(join(SEEDS_DIR!, file), 'utf8');
}

/** `text` with every placeholder replaced by its value; throws if a placeholder is absent. */
export function fillPlaceholders(text: string, fill: Readonly<Record<string, string>> = {}): string {
  let out = text;
  for (const [placeholder, value] of Object.entries(fill)) {
    if (!out.includes(placeholder)) throw new Error(`placeholder ${placeholder} is not in the text`);
    out = out.split(placeholder).join(value);
  }
  return out;
}
