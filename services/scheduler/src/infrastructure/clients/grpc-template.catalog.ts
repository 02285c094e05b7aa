import { callUnary } from '@notify/grpc-kit';
import { commonv1, type templatev1 } from '@notify/proto';
import type { TemplateCatalog } from '../../application';

/**
 * TemplateCatalog over `notify.template.v1.TemplateService.ListTemplates` (key_prefix = the
 * key, any channel and locale, every page): a key exists when an active template has exactly
 * that key. Errors are grpc-kit's DomainErrors (UNAVAILABLE, DEADLINE_EXCEEDED…).
 */
export class GrpcTemplateCatalog implements TemplateCatalog {
  constructor(private readonly client: templatev1.TemplateServiceClient) {}

  async templateExists(key: string): Promise<boolean> {
    let pageToken = '';
    do {
      const res = await callUnary(this.client, 'listTemplates', {
        keyPrefix: key,
        channel: commonv1.Channel.CHANNEL_UNSPECIFIED,
        locale: commonv1.Locale.LOCALE_UNSPECIFIED,
        page: { pageSize: 500, pageToken },
      });
      if (res.templates.some((t) => t.key === key)) return true;
      pageToken = res.nextPageToken;
    } while (pageToken !== '');
    return false;
  }
}
