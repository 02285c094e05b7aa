import { callUnary } from '@notify/grpc-kit';
import { commonv1, templatev1 } from '@notify/proto';
import type { RenderedText, TemplateRenderer } from '../../application/ports';
import type { Channel, Locale } from '../../domain';

/**
 * The template service's RenderTemplate as the pipeline's TemplateRenderer (active version).
 * Errors are the mapped domain errors: NOT_FOUND → NotFoundError (no template for that key and
 * channel), INVALID_ARGUMENT → ValidationError (missing variables, naming them), UNAVAILABLE →
 * UnavailableError.
 */
export class GrpcTemplateRenderer implements TemplateRenderer {
  constructor(private readonly client: templatev1.TemplateServiceClient) {}

  async render(key: string, channel: Channel, locale: Locale, variables: Record<string, unknown>): Promise<RenderedText> {
    const res = await callUnary(
      this.client,
      'renderTemplate',
      templatev1.RenderTemplateRequest.fromPartial({
        key,
        channel: channel === 'SMS' ? commonv1.Channel.CHANNEL_SMS : commonv1.Channel.CHANNEL_WHATSAPP,
        locale: locale === 'EN' ? commonv1.Locale.LOCALE_EN : commonv1.Locale.LOCALE_ID,
        variables,
      }),
    );
    return { text: res.text, version: res.version, locale: res.locale === commonv1.Locale.LOCALE_EN ? 'EN' : 'ID' };
  }
}
