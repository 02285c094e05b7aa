import { callUnary } from '@notify/grpc-kit';
import { commonv1, type templatev1 } from '@notify/proto';
import type { TemplateCatalog, TemplateVariant, TrialRender, TrialRenderOutcome } from '../../application';

/** Most items the template service takes in one BatchRenderTemplates call (its proto: "up to 1000"). */
const BATCH_MAX = 1000;

/**
 * TemplateCatalog over `notify.template.v1.TemplateService`:
 * - variants(): ListTemplates (key_prefix = the key, any channel and locale, every page), the
 *   active versions whose key is exactly that key;
 * - tryRender(): BatchRenderTemplates (the active version, as the gateway renders a page of
 *   recipients), each item's error result mapped to an outcome: code 3 (INVALID_ARGUMENT) →
 *   `invalid` with the variables its message names (`variables: missing variables: a, b`), code 5
 *   (NOT_FOUND) → `not_found`; any other item code rejects.
 * Errors of the calls are grpc-kit's DomainErrors (UNAVAILABLE, DEADLINE_EXCEEDED…).
 */
export class GrpcTemplateCatalog implements TemplateCatalog {
  constructor(private readonly client: templatev1.TemplateServiceClient) {}

  async variants(key: string): Promise<TemplateVariant[]> {
    const found: TemplateVariant[] = [];
    let pageToken = '';
    do {
      const res = await callUnary(this.client, 'listTemplates', {
        keyPrefix: key,
        channel: commonv1.Channel.CHANNEL_UNSPECIFIED,
        locale: commonv1.Locale.LOCALE_UNSPECIFIED,
        page: { pageSize: 500, pageToken },
      });
      for (const t of res.templates) {
        if (t.key === key) found.push({ channel: commonv1.channelToJSON(t.channel), locale: commonv1.localeToJSON(t.locale) });
      }
      pageToken = res.nextPageToken;
    } while (pageToken !== '');
    return found;
  }

  async tryRender(items: readonly TrialRender[]): Promise<TrialRenderOutcome[]> {
    const outcomes: TrialRenderOutcome[] = [];
    for (let start = 0; start < items.length; start += BATCH_MAX) {
      const chunk = items.slice(start, start + BATCH_MAX);
      const res = await callUnary(this.client, 'batchRenderTemplates', {
        items: chunk.map((i) => ({
          key: i.key,
          channel: commonv1.channelFromJSON(i.channel),
          locale: commonv1.localeFromJSON(i.locale),
          variables: { ...i.variables },
          version: 0,
        })),
      });
      if (res.results.length !== chunk.length) throw new Error(`BatchRenderTemplates answered ${res.results.length} results for ${chunk.length} items`);
      outcomes.push(...res.results.map(outcomeFromProto));
    }
    return outcomes;
  }
}

function outcomeFromProto(result: templatev1.BatchRenderTemplatesResult): TrialRenderOutcome {
  const outcome = result.outcome;
  if (outcome?.$case === 'rendered') return { ok: true };
  if (outcome?.$case !== 'error') throw new Error('BatchRenderTemplates answered a result with neither rendered nor error');
  const { code, message } = outcome.value;
  if (code === 5) return { ok: false, reason: 'not_found', message };
  if (code === 3) return { ok: false, reason: 'invalid', message, missing: missingVariables(message) };
  throw new Error(`BatchRenderTemplates answered an item error with status ${code}: ${message}`);
}

/** The variable names of the template service's `missing variables: a, b` message (none for another message). */
export function missingVariables(message: string): string[] {
  const m = /missing variables?: (.+)$/.exec(message);
  return m ? m[1]!.split(',').map((v) => v.trim()).filter((v) => v !== '') : [];
}
