import { ConfigError } from '@notify/config';
import { loadGatewayConfig } from '../../src/config';
import { buildProviderChains } from '../../src/infrastructure/providers/provider-registry';

const BASE = { NOTIFY_API_KEYS: 'test-admin-key-000001:admin' };
const load = (env: Record<string, string> = {}) => loadGatewayConfig({ ...BASE, ...env });
const quiet = { info: () => undefined, warn: () => undefined };
const ALL = {
  FONNTE_TOKEN: 'ft', WABLAS_TOKEN: 'wt', WABLAS_SECRET_KEY: 'ws',
  TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'tt', TWILIO_FROM: '+15005550006',
  ADVANTA_API_KEY: 'ak', ADVANTA_PARTNER_ID: '1', ADVANTA_SHORTCODE: 'NOTIFY',
};

describe('gateway config: provider and webhook variables', () => {
  it('defaults point at the simulators, port 8080, both chains in the issue order', () => {
    const c = load();
    expect([c.FONNTE_BASE_URL, c.WABLAS_BASE_URL, c.TWILIO_BASE_URL, c.ADVANTA_BASE_URL]).toEqual([
      'http://127.0.0.1:8091', 'http://127.0.0.1:8092', 'http://127.0.0.1:8093', 'http://127.0.0.1:8094',
    ]);
    expect(c.WEBHOOK_PORT).toBe(8080);
    expect(c.WHATSAPP_PROVIDERS).toEqual(['fonnte', 'wablas']);
    expect(c.SMS_PROVIDERS).toEqual(['twilio', 'advanta']);
    expect(c.PROVIDER_TIMEOUT_MS).toBe(10_000);
    expect(c.WEBHOOK_SECRET).toBeUndefined();
  });

  it('parses costs, durations and chain order; rejects a provider on the wrong channel', () => {
    const c = load({ FONNTE_COST_RUPIAH: '350', PROVIDER_TIMEOUT_MS: '2s', WHATSAPP_PROVIDERS: 'wablas, fonnte' });
    expect(c.FONNTE_COST_RUPIAH).toBe(350);
    expect(c.PROVIDER_TIMEOUT_MS).toBe(2000);
    expect(c.WHATSAPP_PROVIDERS).toEqual(['wablas', 'fonnte']);
    expect(() => load({ WHATSAPP_PROVIDERS: 'fonnte,twilio' })).toThrow(ConfigError);
    // Provider and priority names are matched whatever their case.
    expect(load({ WHATSAPP_PROVIDERS: 'Wablas, FONNTE', SMS_FALLBACK_PRIORITIES: 'urgent', RECEIPT_CHECK_PROVIDERS: 'Twilio' })).toMatchObject({
      WHATSAPP_PROVIDERS: ['wablas', 'fonnte'], SMS_FALLBACK_PRIORITIES: ['URGENT'], RECEIPT_CHECK_PROVIDERS: ['twilio'],
    });
    expect(() => load({ RECEIPT_CHECK_PROVIDERS: 'Wablas' })).toThrow(/Wablas documents no status look-up/);
    expect(() => load({ TWILIO_COST_RUPIAH: '-1' })).toThrow(/TWILIO_COST_RUPIAH/);
    expect(() => load({ WEBHOOK_PORT: '70000' })).toThrow(/WEBHOOK_PORT/);
  });
});

describe('buildProviderChains', () => {
  it('with no credentials: no chains, every provider disabled with the missing variables named', () => {
    const r = buildProviderChains(load(), quiet);
    expect(r.whatsapp).toBeUndefined();
    expect(r.sms).toBeUndefined();
    expect(r.providers.map((p) => [p.name, p.channel, p.enabled])).toEqual([
      ['fonnte', 'whatsapp', false], ['wablas', 'whatsapp', false], ['twilio', 'sms', false], ['advanta', 'sms', false],
    ]);
    expect(r.providers.find((p) => p.name === 'advanta')!.reason).toBe(
      'credentials not set: ADVANTA_API_KEY, ADVANTA_PARTNER_ID, ADVANTA_SHORTCODE',
    );
    expect(r.providers.find((p) => p.name === 'twilio')!.reason).toContain('TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID');
  });

  it('with all credentials: both chains in configured order, with costs', () => {
    const r = buildProviderChains(load({ ...ALL, SMS_PROVIDERS: 'advanta,twilio', WABLAS_COST_RUPIAH: '250' }), quiet);
    expect(r.whatsapp!.providers().map((p) => p.name)).toEqual(['fonnte', 'wablas']);
    expect(r.sms!.providers().map((p) => p.name)).toEqual(['advanta', 'twilio']);
    expect(r.providers.every((p) => p.enabled && p.reason === undefined)).toBe(true);
    expect(r.providers.find((p) => p.name === 'wablas')!.costRupiah).toBe(250);
    r.whatsapp!.close();
    r.sms!.close();
  });

  it('a partly configured provider is disabled; an unlisted one is disabled with that reason', () => {
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (o: { provider: string }) => void warnings.push(o.provider) };
    const { TWILIO_AUTH_TOKEN: _drop, ...noTwilioToken } = ALL;
    const r = buildProviderChains(load({ ...noTwilioToken, WHATSAPP_PROVIDERS: 'wablas' }), logger);
    expect(r.whatsapp!.providers().map((p) => p.name)).toEqual(['wablas']);
    expect(r.sms!.providers().map((p) => p.name)).toEqual(['advanta']);
    expect(r.providers.find((p) => p.name === 'twilio')).toMatchObject({ enabled: false, reason: 'credentials not set: TWILIO_AUTH_TOKEN' });
    expect(r.providers.find((p) => p.name === 'fonnte')).toMatchObject({ enabled: false, reason: 'not listed in WHATSAPP_PROVIDERS' });
    expect(warnings.sort()).toEqual(['fonnte', 'twilio']);
    r.whatsapp!.close();
    r.sms!.close();
  });
});

describe('gateway config: values that would break the pipeline are refused, naming the variable', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      load(env);
      return [];
    } catch (err) {
      return (err as { problems: Array<{ variable: string }> }).problems.map((p) => p.variable);
    }
  };
  it.each<[Record<string, string>, string]>([
    [{ DISPATCH_POLL_MS: '0' }, 'DISPATCH_POLL_MS'],
    [{ PROVIDER_TIMEOUT_MS: '0' }, 'PROVIDER_TIMEOUT_MS'],
    [{ DISPATCH_LEASE_MS: '30s' }, 'DISPATCH_LEASE_MS'], // 10 s × 4 providers may be needed
    [{ DELIVERY_RETRY_INITIAL_MS: '100000', DELIVERY_RETRY_MAX_MS: '1' }, 'DELIVERY_RETRY_MAX_MS'],
    [{ SUPPORT_PHONE: 'call us!' }, 'SUPPORT_PHONE'],
  ])('%j → %s', (env, variable) => {
    expect(problems(env)).toEqual([variable]);
  });
  it('accepts a lease longer than every provider\'s timeout together, and a support phone with spaces', () => {
    expect(problems({ DISPATCH_LEASE_MS: '30s', PROVIDER_TIMEOUT_MS: '5s', SUPPORT_PHONE: '+62 821-1234-5678' })).toEqual([]);
  });

  it('receipt reconciliation: twilio and advanta by default, fonnte on request, wablas refused (no documented look-up), `none` = off', () => {
    const c = load();
    expect(c.RECEIPT_CHECK_PROVIDERS).toEqual(['twilio', 'advanta']);
    expect([c.RECEIPT_CHECK_AFTER_MS, c.RECEIPT_CHECK_MAX, c.RECEIPT_CHECK_MAX_AGE_MS, c.RECEIPT_CHECK_INTERVAL_MS, c.RECEIPT_CHECK_BATCH])
      .toEqual([600_000, 4, 172_800_000, 60_000, 200]);
    expect(load({ RECEIPT_CHECK_PROVIDERS: 'fonnte, twilio', RECEIPT_CHECK_AFTER_MS: '5m' })).toMatchObject({ RECEIPT_CHECK_PROVIDERS: ['fonnte', 'twilio'], RECEIPT_CHECK_AFTER_MS: 300_000 });
    expect(load({ RECEIPT_CHECK_PROVIDERS: 'none' }).RECEIPT_CHECK_PROVIDERS).toEqual([]);
    expect(load({ SMS_FALLBACK_PRIORITIES: 'NONE' }).SMS_FALLBACK_PRIORITIES).toEqual([]);
    expect(load({ RECEIPT_CHECK_PROVIDERS: '' }).RECEIPT_CHECK_PROVIDERS).toEqual(['twilio', 'advanta']); // empty = unset
    expect(() => load({ RECEIPT_CHECK_PROVIDERS: 'twilio,wablas' })).toThrow(/RECEIPT_CHECK_PROVIDERS.*Wablas documents no status look-up/s);
    expect(() => load({ RECEIPT_CHECK_AFTER_MS: '10ms' })).toThrow(/RECEIPT_CHECK_AFTER_MS/);
  });

  it('the providers with a look-up: Fonnte, Twilio and Advanta; not Wablas', () => {
    const chains = buildProviderChains(load(ALL), quiet);
    try {
      expect(chains.whatsapp!.lookUpProviders()).toEqual(['fonnte']);
      expect(chains.sms!.lookUpProviders()).toEqual(['twilio', 'advanta']);
    } finally {
      chains.whatsapp?.close();
      chains.sms?.close();
    }
  });
});
