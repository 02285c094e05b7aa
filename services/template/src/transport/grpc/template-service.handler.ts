import { NotFoundError } from '@notify/errors';
import { unary } from '@notify/grpc-kit';
import { templatev1 } from '@notify/proto';
import {
  BatchRenderItemError,
  BatchRenderOutcome,
  RenderResult,
  RenderTemplateInput,
  TemplateUseCases,
  checkBatchRenderSize,
  isBatchRenderItemError,
  parseTemplateRef,
  parseTemplateVariables,
  templateRefToString,
} from '../../index';
import { paginate } from './paging';
import {
  actorOf,
  batchOutcomeToProto,
  channelFilterFromProto,
  channelFromProto,
  localeFilterFromProto,
  localeFromProto,
  localeToProto,
  renderInputFromProto,
  renderResultToProto,
  requiredLocaleFromProto,
  smsEncodingToProto,
  templateToProto,
} from './template.proto-mapper';

/**
 * `notify.template.v1.TemplateService` over the template use cases. Every RPC validates
 * through the use cases; domain errors become gRPC statuses in grpc-kit (ValidationError →
 * INVALID_ARGUMENT with the field and, for parse errors, line and column; NotFoundError →
 * NOT_FOUND naming `key/CHANNEL/locale`; ConflictError → ABORTED). Roles per RPC come from
 * the proto (RPC_ROLES) and are checked before these handlers run.
 */
export function createTemplateServiceHandler(useCases: TemplateUseCases): templatev1.TemplateServiceServer {
  return {
    /** New version, active unless keep_active_version; same content as the latest = no new version. */
    upsertTemplate: unary(async (req: templatev1.UpsertTemplateRequest, ctx) => {
      const result = await useCases.upsertTemplate.execute({
        key: req.key,
        channel: channelFromProto(req.channel),
        locale: requiredLocaleFromProto(req.locale),
        body: req.body,
        description: req.description,
        sampleVariables: req.sampleVariables ?? {},
        activate: !req.keepActiveVersion,
        actor: actorOf(ctx.principal),
        allowUnsuppliedVariables: req.allowUnsuppliedVariables,
      });
      return { template: templateToProto(result.version, result.head, result.variables) };
    }),

    /** One version (active unless `version`); NOT_FOUND for an unknown template or version. */
    getTemplate: unary(async (req: templatev1.GetTemplateRequest) => {
      const result = await useCases.getTemplate.execute({
        key: req.key,
        channel: channelFromProto(req.channel),
        locale: localeFromProto(req.locale),
        version: req.version,
      });
      return { template: templateToProto(result.version, result.head, result.variables) };
    }),

    /** Active versions of the matching templates, ordered by key, channel, locale; offset pages. */
    listTemplates: unary(async (req: templatev1.ListTemplatesRequest) => {
      const channel = channelFilterFromProto(req.channel);
      const locale = localeFilterFromProto(req.locale);
      const heads = await useCases.listTemplates.execute({ keyPrefix: req.keyPrefix, channel, locale });
      const page = paginate(heads, req.page, `${req.keyPrefix}|${channel ?? ''}|${locale ?? ''}`);
      const templates = await Promise.all(
        page.items.map(async (head) => {
          const got = await useCases.getTemplate.execute({ ...head, version: head.activeVersion });
          return templateToProto(got.version, got.head, got.variables);
        }),
      );
      return { templates, nextPageToken: page.nextPageToken };
    }),

    /** The history of one template, newest first; NOT_FOUND when it does not exist. */
    listTemplateVersions: unary(async (req: templatev1.ListTemplateVersionsRequest) => {
      const ref = { key: req.key, channel: channelFromProto(req.channel), locale: localeFromProto(req.locale) };
      const history = await useCases.listTemplateVersions.execute(ref);
      const newestFirst = [...history.versions].reverse();
      const page = paginate(newestFirst, req.page, templateRefToString(history.head));
      return {
        versions: page.items.map((v) => templateToProto(v, history.head, useCases.renderer.compiled(v).variables)),
        nextPageToken: page.nextPageToken,
      };
    }),

    /** Makes a version active (rollback when older); idempotent. */
    activateTemplateVersion: unary(async (req: templatev1.ActivateTemplateVersionRequest, ctx) => {
      const result = await useCases.activateTemplateVersion.execute({
        key: req.key,
        channel: channelFromProto(req.channel),
        locale: localeFromProto(req.locale),
        version: req.version,
        actor: actorOf(ctx.principal),
      });
      return { template: templateToProto(result.version, result.head, useCases.renderer.compiled(result.version).variables) };
    }),

    /**
     * Renders the active version (locale falls back to `id`), or exactly `version` when set
     * (no locale fallback then). Missing variables → INVALID_ARGUMENT naming every one.
     */
    renderTemplate: unary(async (req: templatev1.RenderTemplateRequest) =>
      renderResultToProto(await useCases.renderTemplate.execute(renderInputFromProto(req)))),

    /**
     * Each item as renderTemplate renders it, in one call: `results[i]` answers `items[i]`; an
     * item that fails (its mapping or its render: INVALID_ARGUMENT / NOT_FOUND) gets an error
     * result, the others are rendered. Over BATCH_RENDER_MAX_ITEMS (1000) items →
     * INVALID_ARGUMENT('items') for the call, before anything is mapped.
     */
    batchRenderTemplates: unary(async (req: templatev1.BatchRenderTemplatesRequest) => {
      checkBatchRenderSize(req.items.length);
      const mapped = req.items.map((item): RenderTemplateInput | BatchRenderItemError => {
        try {
          return renderInputFromProto(item);
        } catch (err) {
          if (isBatchRenderItemError(err)) return err;
          throw err;
        }
      });
      const inputs = mapped.filter((m): m is RenderTemplateInput => !(m instanceof Error));
      const outcomes = await useCases.batchRenderTemplates.execute(inputs);
      let next = 0;
      const results = mapped.map((m): BatchRenderOutcome => (m instanceof Error ? { ok: false, error: m } : outcomes[next++]!));
      return { results: results.map(batchOutcomeToProto) };
    }),

    /**
     * Renders with the sample variables merged under `variables`; with `draft_body`, renders
     * that body (not saved, version 0) with the stored samples, or only `variables` when the
     * template does not exist yet.
     */
    previewTemplate: unary(async (req: templatev1.PreviewTemplateRequest) => {
      const channel = channelFromProto(req.channel);
      const locale = localeFromProto(req.locale);
      const overrides = parseTemplateVariables(req.variables ?? {}, 'variables');
      let result: RenderResult;
      let used: Record<string, unknown>;
      if (req.draftBody) {
        const ref = parseTemplateRef({ key: req.key, channel, locale });
        const samples = await useCases.getTemplate
          .execute({ ...ref, version: req.version })
          .then((got) => got.version.sampleVariables)
          .catch((err: unknown) => {
            if (err instanceof NotFoundError) return {};
            throw err;
          });
        used = { ...samples, ...overrides };
        const compiled = useCases.renderer.compile(ref, req.draftBody);
        const rendered = useCases.renderer.renderCompiled(ref, compiled, parseTemplateVariables(used, 'variables'));
        result = { ...rendered, ...ref, requestedLocale: locale, version: 0 };
      } else {
        result = await useCases.previewTemplate.execute({ key: req.key, channel, locale, version: req.version, overrides });
        const { version } = await useCases.getTemplate.execute({ key: req.key, channel, locale, version: result.version });
        used = { ...version.sampleVariables, ...overrides };
      }
      return {
        text: result.text,
        version: result.version,
        locale: localeToProto(result.locale),
        encoding: smsEncodingToProto(result.encoding),
        segments: result.segments ?? 0,
        length: result.characters,
        variables: used,
      };
    }),
  };
}
