import { ActivateTemplateVersion } from './activate-template-version.use-case';
import { BatchRenderTemplates } from './batch-render-templates.use-case';
import { GetTemplate } from './get-template.use-case';
import { ListTemplateVersions } from './list-template-versions.use-case';
import { ListTemplates } from './list-templates.use-case';
import { Clock, systemClock } from './ports/clock';
import { TemplateRepository } from './ports/template.repository';
import { PreviewTemplate } from './preview-template.use-case';
import { RenderTemplate } from './render-template.use-case';
import { TemplateRenderer, TemplateRendererOptions } from './rendering/template-renderer';
import { SeedDefaultTemplates } from './seed-default-templates.use-case';
import { eventSuppliedVariables } from './supplied-variables';
import { UpsertTemplate, type SuppliedVariables } from './upsert-template.use-case';

/** Every use case of the template service, sharing one renderer (and its compiled-template cache). */
export interface TemplateUseCases {
  readonly renderer: TemplateRenderer;
  readonly upsertTemplate: UpsertTemplate;
  readonly getTemplate: GetTemplate;
  readonly listTemplates: ListTemplates;
  readonly listTemplateVersions: ListTemplateVersions;
  readonly activateTemplateVersion: ActivateTemplateVersion;
  readonly renderTemplate: RenderTemplate;
  readonly batchRenderTemplates: BatchRenderTemplates;
  readonly previewTemplate: PreviewTemplate;
  readonly seedDefaultTemplates: SeedDefaultTemplates;
}

/** Builds the use cases over a repository (the composition root calls this once). */
export function createTemplateUseCases(
  repository: TemplateRepository,
  options: { clock?: Clock; renderer?: TemplateRendererOptions; supplied?: SuppliedVariables } = {},
): TemplateUseCases {
  const clock = options.clock ?? systemClock;
  const renderer = new TemplateRenderer(options.renderer);
  // An edit of a template the events render is checked against the variables they carry.
  const upsertTemplate = new UpsertTemplate(repository, renderer, clock, options.supplied ?? eventSuppliedVariables);
  return {
    renderer,
    upsertTemplate,
    getTemplate: new GetTemplate(repository, renderer),
    listTemplates: new ListTemplates(repository),
    listTemplateVersions: new ListTemplateVersions(repository),
    activateTemplateVersion: new ActivateTemplateVersion(repository, clock),
    renderTemplate: new RenderTemplate(repository, renderer),
    batchRenderTemplates: new BatchRenderTemplates(repository, renderer),
    previewTemplate: new PreviewTemplate(repository, renderer),
    seedDefaultTemplates: new SeedDefaultTemplates(repository, upsertTemplate),
  };
}
