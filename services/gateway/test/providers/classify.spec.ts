// The status:false / error-code classifiers (providers.md §1.5, §2.6, §3.2, §4.2): which
// failures are retryable and whose fault they are (which decides failover in ProviderChain).
import { classifyAdvantaCode, classifyFonnteReason, classifyTwilioError, classifyWablasMessage, MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../src/infrastructure/providers';

describe('provider failure classification', () => {
  it.each([
    ['request invalid on disconnected device', true, 'provider'],
    ['insufficient quota', true, 'provider'],
    ['invalid token', false, 'provider'],
    ['token invalid', false, 'provider'],
    ['devices must belong to an account', false, 'provider'],
    ['target invalid', false, 'message'],
    ['target input invalid', false, 'message'],
    ['input invalid', false, 'message'],
    ['JSON format invalid', false, 'message'],
  ])('Fonnte %j → retryable %s, fault %s', (reason, retryable, fault) => {
    expect(classifyFonnteReason(reason)).toEqual({ retryable, fault });
  });

  it.each([
    ['device disconnected, need to scan qr code again', true, 'provider'],
    ['quota is not enough', true, 'provider'],
    ['token invalid', false, 'provider'],
    ['secret key invalid', false, 'provider'],
    ['phone number is required', false, 'message'],
    ['message is required', false, 'message'],
    ['invalid phone number', false, 'message'],
  ])('Wablas %j → retryable %s, fault %s', (message, retryable, fault) => {
    expect(classifyWablasMessage(message)).toEqual({ retryable, fault });
  });

  it.each([
    [429, 20429, true, 'provider'],
    [500, 20500, true, 'provider'],
    [503, undefined, true, 'provider'],
    [401, 20003, false, 'provider'],
    [400, 21606, false, 'provider'],
    [400, 21211, false, 'message'],
    [400, 21610, false, 'message'],
    [400, 21602, false, 'message'],
  ])('Twilio HTTP %i code %s → retryable %s, fault %s', (status, code, retryable, fault) => {
    expect(classifyTwilioError(status, code)).toEqual({ retryable, fault });
  });

  it.each([
    [1004, true, 'provider'],
    [1005, true, 'provider'],
    [4090, true, 'provider'],
    [1006, false, 'provider'],
    [1001, false, 'provider'],
    [4092, false, 'provider'],
    [1003, false, 'message'],
    [1104, false, 'message'],
  ])('Advanta code %i → retryable %s, fault %s', (code, retryable, fault) => {
    expect(classifyAdvantaCode(code)).toEqual({ retryable, fault });
  });
});

describe('parseRetryAfter (RFC 9110 §10.2.3; providers.md §3.2 "honour Retry-After")', () => {
  const now = Date.parse('2026-12-06T10:00:00Z');
  it.each<[string | string[] | undefined, number | undefined]>([
    ['7', 7_000],
    [' 0 ', 0],
    [['30', '60'], 30_000],
    ['Sun, 06 Dec 2026 10:00:45 GMT', 45_000],
    ['Sun, 06 Dec 2026 09:59:00 GMT', 0],
    ['999999', MAX_RETRY_AFTER_MS],
    ['soon', undefined],
    ['-5', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %s ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});
