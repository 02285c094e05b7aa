import { EntitySchema } from 'typeorm';

/** Row of `template_heads` (see migrations/1795400300000-CreateTemplates.ts). */
export interface TemplateHeadRow {
  key: string;
  channel: string;
  locale: string;
  activeVersion: number;
  latestVersion: number;
  createdAt: Date;
  updatedAt: Date;
  activatedAt: Date;
  activatedBy: string;
}

/** Row of `template_versions` (immutable). */
export interface TemplateVersionRow {
  key: string;
  channel: string;
  locale: string;
  version: number;
  body: string;
  sampleVariables: object;
  description: string;
  createdAt: Date;
  createdBy: string;
}

const refColumns = {
  key: { type: 'text', primary: true },
  channel: { type: 'text', primary: true },
  locale: { type: 'text', primary: true },
} as const;

export const TemplateHeadEntity = new EntitySchema<TemplateHeadRow>({
  name: 'TemplateHead',
  tableName: 'template_heads',
  columns: {
    ...refColumns,
    activeVersion: { name: 'active_version', type: 'integer' },
    latestVersion: { name: 'latest_version', type: 'integer' },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    updatedAt: { name: 'updated_at', type: 'timestamptz' },
    activatedAt: { name: 'activated_at', type: 'timestamptz' },
    activatedBy: { name: 'activated_by', type: 'text' },
  },
});

export const TemplateVersionEntity = new EntitySchema<TemplateVersionRow>({
  name: 'TemplateVersion',
  tableName: 'template_versions',
  columns: {
    ...refColumns,
    version: { type: 'integer', primary: true },
    body: { type: 'text' },
    sampleVariables: { name: 'sample_variables', type: 'jsonb' },
    description: { type: 'text' },
    createdAt: { name: 'created_at', type: 'timestamptz' },
    createdBy: { name: 'created_by', type: 'text' },
  },
});

/** The entities of the template service, for createDataSource({ entities }). */
export const templateEntities = [TemplateHeadEntity, TemplateVersionEntity];
