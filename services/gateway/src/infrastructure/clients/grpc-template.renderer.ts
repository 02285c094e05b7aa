import * as grpc from '@grpc/grpc-js';
import { NotFoundError, ValidationError } from '@notify/errors';
import { ERROR_METADATA, callUnary, fromGrpcError } from '@notify/grpc-kit';
import { commonv1, templatev1 } from '@notify/proto';
import type { RenderJob, RenderOutcome, RenderedText, TemplateRenderer } from '../../application/ports';
import type { Channel, Locale } from '../../domain';

/**
 * Most items the template service takes in one BatchRenderTemplates call (its proto: "up to
 * 1000"); renderBatch splits longer lists into calls of at most this many.
 */
export const BATCH_RENDER_MAX_ITEMS = 1000;

/**
 * The template service's RenderTemplate / BatchRenderTemplates as the pipeline's
 * TemplateRenderer (active version). Every call carries the client's default deadline
 * (createClient's `deadlineMs`, 5 s), as the gateway's other outbound calls.
 * Errors are the mapped domain errors of grpc-kit's table: NOT_FOUND → NotFoundError (no
 * template for that key and channel), INVALID_ARGUMENT → ValidationError (missing variables,
 * naming them), UNAVAILABLE → UnavailableError, DEADLINE_EXCEEDED → TimeoutError; a batch
 * item's error result goes through the same table (its `field` / `entity` / `entity_id` as the
 * trailers of a failed call), so an item's error equals the one `render` throws for it.
 */
export class GrpcTemplateRenderer implements TemplateRenderer {
  constructor(private readonly client: templatev1.TemplateServiceClient) {}

  async render(key: string, channel: Channel, locale: Locale, variables: Record<string, unknown>): Promise<RenderedText> {
    return renderedFromProto(await callUnary(this.client, 'renderTemplate', renderRequest({ key, channel, locale, variables })));
  }

  /**
   * BatchRenderTemplates in calls of at most BATCH_RENDER_MAX_ITEMS jobs, one after the other,
   * outcomes in job order. Rejects with the first failed call's error (UnavailableError,
   * TimeoutError, …); an item error result of another code than INVALID_ARGUMENT / NOT_FOUND,
   * or a response with the wrong number of results, rejects too (a broken contract).
   */
  async renderBatch(jobs: readonly RenderJob[]): Promise<RenderOutcome[]> {
    const outcomes: RenderOutcome[] = [];
    for (let start = 0; start < jobs.length; start += BATCH_RENDER_MAX_ITEMS) {
      const chunk = jobs.slice(start, start + BATCH_RENDER_MAX_ITEMS);
      const res = await callUnary(this.client, 'batchRenderTemplates', { items: chunk.map(renderRequest) });
      if (res.results.length !== chunk.length) {
        throw new Error(`BatchRenderTemplates answered ${res.results.length} results for ${chunk.length} items`);
      }
      for (const result of res.results) outcomes.push(outcomeFromProto(result));
    }
    return outcomes;
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
  const { code, message, field, entity, entityId } = outcome.value;
  const metadata = new grpc.Metadata();
  if (field) metadata.set(ERROR_METADATA.field, field);
  if (entity) metadata.set(ERROR_METADATA.entity, entity);
  if (entityId) metadata.set(ERROR_METADATA.entityId, entityId);
  const error = fromGrpcError({ code, details: message, metadata });
  if (error instanceof ValidationError || error instanceof NotFoundError) return { ok: false, error };
  throw new Error(`BatchRenderTemplates answered an item error with status ${code}: ${message}`);
}
