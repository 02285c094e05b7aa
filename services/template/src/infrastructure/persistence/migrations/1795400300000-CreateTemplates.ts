import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * Tables of the template service (in the service schema, `template` by default):
 * - `template_heads`: one row per (key, channel, locale) with the active and latest version
 *   numbers; `latest_version` is the optimistic-concurrency check of every write.
 * - `template_versions`: the immutable versions, primary key (key, channel, locale, version);
 *   never updated or deleted.
 */
export class CreateTemplates1795400300000 implements MigrationInterface {
  name = 'CreateTemplates1795400300000';

  async up(qr: QueryRunner): Promise<void> {
    const heads = table(qr, 'template_heads');
    const versions = table(qr, 'template_versions');
    await qr.query(`
      CREATE TABLE ${heads} (
        key            text        NOT NULL,
        channel        text        NOT NULL CHECK (channel IN ('WHATSAPP', 'SMS')),
        locale         text        NOT NULL CHECK (locale IN ('id', 'en')),
        active_version integer     NOT NULL CHECK (active_version >= 1),
        latest_version integer     NOT NULL CHECK (latest_version >= active_version),
        created_at     timestamptz NOT NULL,
        updated_at     timestamptz NOT NULL,
        activated_at   timestamptz NOT NULL,
        activated_by   text        NOT NULL,
        PRIMARY KEY (key, channel, locale)
      )`);
    await qr.query(`
      CREATE TABLE ${versions} (
        key              text        NOT NULL,
        channel          text        NOT NULL,
        locale           text        NOT NULL,
        version          integer     NOT NULL CHECK (version >= 1),
        body             text        NOT NULL,
        sample_variables jsonb       NOT NULL DEFAULT '{}'::jsonb,
        description      text        NOT NULL DEFAULT '',
        created_at       timestamptz NOT NULL,
        created_by       text        NOT NULL,
        PRIMARY KEY (key, channel, locale, version),
        FOREIGN KEY (key, channel, locale) REFERENCES ${heads} (key, channel, locale)
      )`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP TABLE ${table(qr, 'template_versions')}`);
    await qr.query(`DROP TABLE ${table(qr, 'template_heads')}`);
  }
}
