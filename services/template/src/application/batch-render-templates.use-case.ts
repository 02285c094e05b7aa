import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { NotFoundError, ValidationError } from '@notify/errors';
import { templateRefToString } from '../domain/template-ref';
import { TemplateHead, TemplateVersion } from '../domain/template-version';
import { TemplateRepository } from './ports/template.repository';
import {
  PreparedRender,
  RenderResult,
  RenderTemplateInput,
  TemplateReads,
  findRenderVersion,
  prepareRender,
  renderPrepared,
} from './render-template.use-case';
import { TemplateRenderer } from './rendering/template-renderer';

/** Most items one BatchRenderTemplates call takes (the proto's documented limit). */
export const BATCH_RENDER_MAX_ITEMS = 1000;

/** Items rendered between two yields to the event loop (a 1000-item batch does not hold it for its whole render). */
const RENDERS_PER_TURN = 100;

/** What fails one item and not the batch: the item's own input or template. */
export type BatchRenderItemError = ValidationError | NotFoundError;

/** The outcome of one item: its RenderResult, or the error RenderTemplate would have thrown for it. */
export type BatchRenderOutcome =
  | { readonly ok: true; readonly result: RenderResult }
  | { readonly ok: false; readonly error: BatchRenderItemError };

/** True for the errors that fail one item (ValidationError, NotFoundError); anything else fails the batch. */
export function isBatchRenderItemError(err: unknown): err is BatchRenderItemError {
  return err instanceof ValidationError || err instanceof NotFoundError;
}

/** Throws ValidationError('items') when `count` exceeds BATCH_RENDER_MAX_ITEMS (the whole call is refused). */
export function checkBatchRenderSize(count: number): void {
  if (count > BATCH_RENDER_MAX_ITEMS) {
    throw new ValidationError('items', `at most ${BATCH_RENDER_MAX_ITEMS} items per call, got ${count}`);
  }
}

/**
 * BatchRenderTemplates: renders many items, each exactly as RenderTemplate renders it (the same
 * prepareRender → findRenderVersion → renderPrepared steps: validation, locale fallback or exact
 * `version`, liquidjs strict render, escaping, SMS measures), answering `outcomes[i]` for
 * `items[i]`.
 *
 * Reads: every item is checked first and every read started at once through a per-call memo of
 * the repository, so each distinct (key, channel, locale) active version (and each distinct
 * head / exact version) is queried once per call however many items use it; the `id` fallback
 * of an `en` item shares the read of the `id` items. Nothing is kept between calls (a new active
 * version is seen by the next call). Renders run in item order, yielding to the event loop
 * every 100 items.
 *
 * Errors: more than BATCH_RENDER_MAX_ITEMS items → ValidationError('items'), nothing rendered.
 * Per item (in its outcome, the other items unaffected): ValidationError (bad key / channel /
 * locale / version, variables not an object, MissingVariablesError naming every missing one, a
 * value a filter cannot read) and NotFoundError (no template in the locale nor in `id`, unknown
 * version). Any other error (the repository failing) rejects the whole call, as it would fail
 * RenderTemplate.
 */
export class BatchRenderTemplates {
  constructor(
    private readonly repository: TemplateRepository,
    private readonly renderer: TemplateRenderer,
  ) {}

  async execute(items: readonly RenderTemplateInput[]): Promise<BatchRenderOutcome[]> {
    checkBatchRenderSize(items.length);
    const reads = memoizedReads(this.repository);
    const found = items.map((item) =>
      settle(async () => {
        const prepared = prepareRender(item);
        return { prepared, version: await findRenderVersion(reads, prepared) };
      }),
    );
    const outcomes: BatchRenderOutcome[] = [];
    for (let i = 0; i < found.length; i++) {
      if (i > 0 && i % RENDERS_PER_TURN === 0) await yieldToEventLoop();
      const item = await found[i]!;
      outcomes.push(item.ok ? this.render(item.value.version, item.value.prepared) : failed(item.error));
    }
    return outcomes;
  }

  private render(version: TemplateVersion, prepared: PreparedRender): BatchRenderOutcome {
    try {
      return { ok: true, result: renderPrepared(this.renderer, version, prepared) };
    } catch (err) {
      return failed(err);
    }
  }
}

function failed(err: unknown): BatchRenderOutcome {
  if (isBatchRenderItemError(err)) return { ok: false, error: err };
  throw err;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs `fn` and never rejects: the error is returned (so reads still pending when the loop throws leave no unhandled rejection). */
function settle<T>(fn: () => Promise<T>): Promise<Settled<T>> {
  return fn().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** The repository's reads, each distinct one done once (the promise is shared, a failure too). */
function memoizedReads(repository: TemplateReads): TemplateReads {
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let hit = memo.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = read();
      memo.set(key, hit);
    }
    return hit;
  };
  return {
    findActive: (ref) => once<TemplateVersion | undefined>(`active ${templateRefToString(ref)}`, () => repository.findActive(ref)),
    findHead: (ref) => once<TemplateHead | undefined>(`head ${templateRefToString(ref)}`, () => repository.findHead(ref)),
    findVersion: (ref, version) =>
      once<TemplateVersion | undefined>(`version ${templateRefToString(ref)}@${version}`, () => repository.findVersion(ref, version)),
  };
}
