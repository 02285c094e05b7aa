import { naturalBatcher, type NaturalBatcher } from '@notify/batching';
import { NotFoundError, ValidationError } from '@notify/errors';
import { callUnary, errorFromItem } from '@notify/grpc-kit';
import { commonv1, templatev1 } from '@notify/proto';
import type { RenderJob, RenderOutcome, RenderedText, TemplateCatalog, TemplateRenderer, TemplateVariant } from '../../application/ports';
import type { Channel, Locale } from '../../domain';

/**
 * Most items the template service takes in one BatchRenderTemplates call (its proto: "up to
 * 1000"); renderBatch splits longer lists into calls of at most this many.
 */
export const BATCH_RENDER_MAX_ITEMS = 1000;

/** Batches of up to this many jobs go through the coalescing front (see GrpcTemplateRenderer). */
const COALESCE_MAX_JOBS = 100;

/**
 * The template service's RenderTemplate / BatchRenderTemplates as the pipeline's
 * TemplateRenderer (active version). Every call carries the client's default deadline
 * (createClient's `deadlineMs`, 5 s), as the gateway's other outbound calls.
 * Errors are the mapped domain errors of grpc-kit's table: NOT_FOUND → NotFoundError (no
 * template for that key and channel), INVALID_ARGUMENT → ValidationError (missing variables,
 * naming them), UNAVAILABLE → UnavailableError, DEADLINE_EXCEEDED → TimeoutError; a batch
 * item's error result goes through the same table (its `field` / `entity` / `entity_id` as the
 * trailers of a failed call), so an item's error equals the one `render` throws for it.
 *
 * Coalescing: the texts of the events handled at once (`render`, and `renderBatch` of at most 100
 * jobs) go through a naturalBatcher, so concurrent callers share ONE BatchRenderTemplates call (a
 * lone job is one RenderTemplate call, as before). Each caller still gets its own outcomes.
 */
export class GrpcTemplateRenderer implements TemplateRenderer, TemplateCatalog {
  private readonly coalesced: NaturalBatcher<RenderJob, RenderOutcome>;

  constructor(private readonly client: templatev1.TemplateServiceClient) {
    // Traced: each caller's trace keeps a `gateway.render_templates` span linked to the batch's call.
    this.coalesced = naturalBatcher((jobs) => this.renderJobs(jobs), { maxBatchSize: BATCH_RENDER_MAX_ITEMS, span: 'gateway.render_templates' });
  }

  async render(key: string, channel: Channel, locale: Locale, variables: Record<string, unknown>): Promise<RenderedText> {
    const outcome = await this.coalesced.load({ key, channel, locale, variables });
    if (!outcome.ok) throw outcome.error;
    return outcome.rendered;
  }

  /**
   * Outcomes in job order. Up to 100 jobs share the coalesced calls of concurrent callers; longer
   * lists go in BatchRenderTemplates calls of at most BATCH_RENDER_MAX_ITEMS jobs, one after the
   * other. Rejects with the first failed call's error (UnavailableError, TimeoutError, …); an item
   * error result of another code than INVALID_ARGUMENT / NOT_FOUND, or a response with the wrong
   * number of results, rejects too (a broken contract).
   */
  async renderBatch(jobs: readonly RenderJob[]): Promise<RenderOutcome[]> {
    if (jobs.length <= COALESCE_MAX_JOBS) return Promise.all(jobs.map((job) => this.coalesced.load(job)));
    const outcomes: RenderOutcome[] = [];
    for (let start = 0; start < jobs.length; start += BATCH_RENDER_MAX_ITEMS) {
      outcomes.push(...(await this.renderJobs(jobs.slice(start, start + BATCH_RENDER_MAX_ITEMS))));
    }
    return outcomes;
  }

  /**
   * TemplateCatalog: ListTemplates with the key as prefix (any channel and locale, every page),
   * keeping the templates whose key is exactly `key`.
   */
  async variants(key: string): Promise<TemplateVariant[]> {
    const found: TemplateVariant[] = [];
    let pageToken = '';
    do {
      const res = await callUnary(this.client, 'listTemplates', templatev1.ListTemplatesRequest.fromPartial({ keyPrefix: key, page: { pageSize: 500, pageToken } }));
      for (const t of res.templates) {
        if (t.key === key) found.push({ channel: t.channel === commonv1.Channel.CHANNEL_SMS ? 'SMS' : 'WHATSAPP', locale: t.locale === commonv1.Locale.LOCALE_EN ? 'EN' : 'ID' });
      }
      pageToken = res.nextPageToken;
    } while (pageToken !== '');
    return found;
  }

  /** One call for at most BATCH_RENDER_MAX_ITEMS jobs: RenderTemplate for one, BatchRenderTemplates for more. */
  private async renderJobs(jobs: readonly RenderJob[]): Promise<RenderOutcome[]> {
    if (jobs.length === 1) {
      const job = jobs[0]!;
      try {
        return [{ ok: true, rendered: renderedFromProto(await callUnary(this.client, 'renderTemplate', renderRequest(job))) }];
      } catch (err) {
        if (err instanceof ValidationError || err instanceof NotFoundError) return [{ ok: false, error: err }];
        throw err;
      }
    }
    const res = await callUnary(this.client, 'batchRenderTemplates', { items: jobs.map(renderRequest) });
    if (res.results.length !== jobs.length) {
      throw new Error(`BatchRenderTemplates answered ${res.results.length} results for ${jobs.length} items`);
    }
    return res.results.map(outcomeFromProto);
  }
}

function renderRequest(job: RenderJob): templatev1.RenderTemplateRequest {
  return templatev1.RenderTemplateRequest.fromPartial({
    key: job.key,
    channel: job.channel === 'SMS' ? commonv1.Channel.CHANNEL_SMS : commonv1.Channel.CHANNEL_WHATSAPP,
    locale: job.locale === 'EN' ? commonv1.Locale.LOCALE_EN : commonv1.Locale.LOCALE_ID,
    variables: job.variables,
  });
}

function renderedFromProto(res: templatev1.RenderTemplateResponse): RenderedText {
  return { text: res.text, version: res.version, locale: res.locale === commonv1.Locale.LOCALE_EN ? 'EN' : 'ID' };
}

function outcomeFromProto(result: templatev1.BatchRenderTemplatesResult): RenderOutcome {
  const outcome = result.outcome;
  if (outcome?.$case === 'rendered') return { ok: true, rendered: renderedFromProto(outcome.value) };
  if (outcome?.$case !== 'error') throw new Error('BatchRenderTemplates answered a result with neither rendered nor error');
  const error = errorFromItem(outcome.value);
  if (error instanceof ValidationError || error instanceof NotFoundError) return { ok: false, error };
  throw new Error(`BatchRenderTemplates answered an item error with status ${outcome.value.code}: ${outcome.value.message}`);
}
