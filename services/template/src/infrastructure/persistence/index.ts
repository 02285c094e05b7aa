export { templateEntities, TemplateHeadEntity, TemplateVersionEntity } from './template.entities';
export type { TemplateHeadRow, TemplateVersionRow } from './template.entities';
export { TypeOrmTemplateRepository, type TemplateRepositoryOptions } from './typeorm-template.repository';
export { templateMigrations, CreateTemplates1795400300000 } from './migrations';
