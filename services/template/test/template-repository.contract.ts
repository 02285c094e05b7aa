import { ConflictError, NotFoundError } from '@notify/errors';
import {
  TemplateHead,
  TemplateRef,
  TemplateRepository,
  TemplateVersion,
  planActivation,
  planNewVersion,
  validateDraft,
} from '../src';

/**
 * Behaviour every TemplateRepository must have. Run it against an implementation with
 * `describeTemplateRepositoryContract('name', async () => repo)`; the TypeORM repository of
 * the persistence step reuses it in an integration spec.
 */
export function describeTemplateRepositoryContract(name: string, create: () => Promise<TemplateRepository>): void {
  describe(`TemplateRepository contract: ${name}`, () => {
    let repo: TemplateRepository;
    const ref: TemplateRef = { key: 'contract.sample', channel: 'WHATSAPP', locale: 'id' };
    const t0 = new Date('2026-11-22T02:00:00Z');
    const draft = (body: string) =>
      validateDraft({ body, sampleVariables: { n: 1, list: [{ a: 'x' }] }, description: `d ${body}`, createdBy: 'tester' });

    async function append(head: TemplateHead | undefined, body: string, activate = false, r: TemplateRef = ref) {
      const planned = planNewVersion(r, head, draft(body), new Date(t0.getTime() + (head?.latestVersion ?? 0) * 1000), activate);
      await repo.appendVersion(planned.version, planned.head);
      return planned;
    }

    beforeEach(async () => {
      repo = await create();
    });

    it('knows nothing of a template before its first version', async () => {
      expect(await repo.findHead(ref)).toBeUndefined();
      expect(await repo.findActive(ref)).toBeUndefined();
      expect(await repo.findVersion(ref, 1)).toBeUndefined();
      expect(await repo.listVersions(ref)).toEqual([]);
    });

    it('stores versions and heads and returns them unchanged', async () => {
      const v1 = await append(undefined, 'one');
      const v2 = await append(v1.head, 'two');
      expect(await repo.findHead(ref)).toEqual(v2.head);
      expect(await repo.findVersion(ref, 1)).toEqual(v1.version);
      expect(await repo.findVersion(ref, 2)).toEqual(v2.version);
      expect(await repo.findVersion(ref, 3)).toBeUndefined();
      expect(await repo.findActive(ref)).toEqual(v1.version); // v2 was not activated
      expect((await repo.listVersions(ref)).map((v) => v.version)).toEqual([1, 2]);
    });

    it('rejects a version number that does not follow the latest with ConflictError, storing nothing', async () => {
      const v1 = await append(undefined, 'one');
      const stale = planNewVersion(ref, undefined, draft('racing'), t0, true); // planned from no head: version 1 again
      await expect(repo.appendVersion(stale.version, stale.head)).rejects.toBeInstanceOf(ConflictError);
      const skipping = planNewVersion(ref, { ...v1.head, latestVersion: 5 }, draft('skip'), t0, true);
      await expect(repo.appendVersion(skipping.version, skipping.head)).rejects.toBeInstanceOf(ConflictError);
      expect(await repo.listVersions(ref)).toEqual([v1.version]);
      expect(await repo.findHead(ref)).toEqual(v1.head);
    });

    it('saves an activation head, and refuses one planned before a newer version', async () => {
      const v1 = await append(undefined, 'one');
      const v2 = await append(v1.head, 'two', true);
      const rollback = planActivation(v2.head, 1, 'admin', new Date(t0.getTime() + 60_000));
      await repo.saveHead(rollback.head);
      expect(await repo.findActive(ref)).toEqual(v1.version);
      await append(rollback.head, 'three');
      const stale = planActivation(rollback.head, 2, 'admin', new Date(t0.getTime() + 120_000));
      await expect(repo.saveHead(stale.head)).rejects.toBeInstanceOf(ConflictError);
      expect((await repo.findHead(ref))!.activeVersion).toBe(1);
    });

    it('refuses to save the head of a template that does not exist', async () => {
      const planned = planNewVersion(ref, undefined, draft('x'), t0, true);
      await expect(repo.saveHead(planned.head)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists heads filtered by key prefix, channel and locale, ordered by key, channel, locale', async () => {
      const refs: TemplateRef[] = [
        { key: 'ticket.created.disturbance', channel: 'WHATSAPP', locale: 'id' },
        { key: 'ticket.created.disturbance', channel: 'SMS', locale: 'id' },
        { key: 'ticket.created.disturbance', channel: 'SMS', locale: 'en' },
        { key: 'sla.warning', channel: 'WHATSAPP', locale: 'id' },
        { key: 'ticketing.other', channel: 'WHATSAPP', locale: 'en' },
      ];
      for (const r of refs) await append(undefined, r.key, false, r);
      const ids = (heads: TemplateHead[]) => heads.map((h) => `${h.key}/${h.channel}/${h.locale}`);
      expect(ids(await repo.listHeads({}))).toEqual([
        'sla.warning/WHATSAPP/id',
        'ticket.created.disturbance/SMS/en',
        'ticket.created.disturbance/SMS/id',
        'ticket.created.disturbance/WHATSAPP/id',
        'ticketing.other/WHATSAPP/en',
      ]);
      expect(ids(await repo.listHeads({ keyPrefix: 'ticket.' }))).toEqual([
        'ticket.created.disturbance/SMS/en',
        'ticket.created.disturbance/SMS/id',
        'ticket.created.disturbance/WHATSAPP/id',
      ]);
      expect(ids(await repo.listHeads({ channel: 'SMS', locale: 'id' }))).toEqual(['ticket.created.disturbance/SMS/id']);
      expect(ids(await repo.listHeads({ locale: 'en', keyPrefix: 'ticket' }))).toEqual([
        'ticket.created.disturbance/SMS/en',
        'ticketing.other/WHATSAPP/en',
      ]);
    });

    it('keeps sample variables (nested lists and objects) intact', async () => {
      const v1 = await append(undefined, 'one');
      const stored = (await repo.findVersion(ref, 1)) as TemplateVersion;
      expect(stored.sampleVariables).toEqual({ n: 1, list: [{ a: 'x' }] });
      expect(stored).toEqual(v1.version);
    });
  });
}
