// The variables the reply flow gives its templates are the ones @notify/events lists for them
// (REPLY_FLOW_TEMPLATE_VARIABLES), which the template service checks an edit of those templates
// against (QA: a technician.job_taken edit using {{ cs_phone }} was stored and never applied).
import { REPLY_FLOW_TEMPLATE_KEYS, REPLY_FLOW_TEMPLATE_VARIABLES } from '@notify/events';
import { REPLY_TEMPLATE_KEYS, replyTemplateVariables } from '../../src/application/replies/reply-templates';

describe('the reply flow\'s template variables', () => {
  it('are exactly the listed ones when every fact is known, and the keys are the listed ones', () => {
    const at = new Date('2026-12-07T03:00:00Z');
    const vars = replyTemplateVariables(
      {
        id: 't-1', number: 'GGN-20261207-0001', kind: 'GANGGUAN', status: 'COMPLETED', version: 4, workZone: 'karawang', address: 'Jl. Mawar 1',
        description: 'Internet mati', technicianId: 's-1', customerId: 'c-1', createdAt: at, slaDueAt: at, priority: 'high',
      },
      { technicianName: 'Lutfi', customer: { name: 'Budi', phone: '6281200000001' }, startedAt: at, completedAt: new Date(at.getTime() + 60_000), takenByOther: false, changedMeanwhile: false },
    );
    expect(Object.keys(vars).sort()).toEqual([...REPLY_FLOW_TEMPLATE_VARIABLES].sort());
    expect(Object.values(REPLY_TEMPLATE_KEYS).sort()).toEqual([...REPLY_FLOW_TEMPLATE_KEYS].sort());
  });
});
