import { platformMigrations } from '@notify/db';
import { CreateTemplates1795400300000 } from './1795400300000-CreateTemplates';

/** Every migration of the template service, oldest first (platform tables, then templates). */
export const templateMigrations = [...platformMigrations, CreateTemplates1795400300000];

export { CreateTemplates1795400300000 };
