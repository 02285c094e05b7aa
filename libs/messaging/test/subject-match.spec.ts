import { subjectMatches, subjectsOverlap } from '../src';

describe('subjectMatches (NATS wildcards)', () => {
  test.each([
    ['notify.ticket.v1.>', 'notify.ticket.v1.created', true],
    ['notify.ticket.v1.>', 'notify.ticket.v1', false],
    ['notify.ticket.v1.>', 'notify.ticket.v1.a.b', true],
    ['notify.*.v1.created', 'notify.ticket.v1.created', true],
    ['notify.*.v1.created', 'notify.ticket.v1.assigned', false],
    ['notify.*', 'notify.ticket.v1', false],
    ['notify.ticket.v1.created', 'notify.ticket.v1.created', true],
    ['notify.ticket.v1.created', 'notify.ticket.v1.created.x', false],
  ])('%s ~ %s → %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe('subjectsOverlap', () => {
  test.each([
    ['notify.ticket.v1.>', 'notify.ticket.v1.created', true],
    ['notify.ticket.v1.>', 'notify.customer.v1.>', false],
    ['notify.*.v1.created', 'notify.ticket.>', true],
    ['a.b', 'a.b.c', false],
    ['a.*', 'a.>', true],
    ['a.>', 'a', false],
  ])('%s / %s → %s', (a, b, expected) => {
    expect(subjectsOverlap(a, b)).toBe(expected);
    expect(subjectsOverlap(b, a)).toBe(expected);
  });
});
