import * as grpc from '@grpc/grpc-js';
import { ApiKeyAuthenticator, bindService, keyIdOf } from '../src';
import { ECHO_SERVICE, EchoServiceService, echoImplementation } from './fixtures/echo.fixture';

const allRoles = { Echo: ['admin'], Fail: ['admin'], Slow: ['admin'], Count: ['admin', 'noc'] } as const;

describe('bindService', () => {
  const { implementation } = echoImplementation();

  it('binds when every RPC declares roles, by proto name or by definition key', () => {
    const bound = bindService(EchoServiceService, implementation, { roles: allRoles });
    expect(bound.serviceName).toBe(ECHO_SERVICE);
    expect(bound.methods.map((m) => [m.name, m.kind, [...m.roles]])).toEqual([
      ['Echo', 'unary', ['admin']],
      ['Fail', 'unary', ['admin']],
      ['Slow', 'unary', ['admin']],
      ['Count', 'serverStream', ['admin', 'noc']],
    ]);
    // lowerCamel keys (the ts-proto definition keys / originalName) work too
    const camel = bindService(EchoServiceService, implementation, {
      roles: { echo: ['admin'], fail: ['admin'], slow: ['admin'], count: ['noc'] },
    });
    expect(camel.methods.every((m) => typeof m.handler === 'function')).toBe(true);
  });

  it('fails at startup when an RPC has no roles, and names it', () => {
    const { Slow: _omit, ...roles } = allRoles;
    expect(() => bindService(EchoServiceService, implementation, { roles })).toThrow(/RPC Slow declares no roles/);
  });

  it('rejects an empty role list, an unknown role, a key naming no RPC, and a double declaration', () => {
    const bind = (roles: Record<string, readonly string[]>) =>
      () => bindService(EchoServiceService, implementation, { roles: roles as never });
    expect(bind({ ...allRoles, Echo: [] })).toThrow(/Echo declares an empty role list/);
    expect(bind({ ...allRoles, Echo: ['root'] })).toThrow(/unknown role "root"/);
    expect(bind({ ...allRoles, Ehco: ['admin'] })).toThrow(/roles.Ehco names no RPC/);
    expect(bind({ ...allRoles, echo: ['admin'] })).toThrow(/Echo declares roles under several names/);
  });

  it('accepts an implementation missing RPCs (they answer UNIMPLEMENTED after auth)', () => {
    const bound = bindService(EchoServiceService, {}, { roles: allRoles });
    expect(bound.methods.every((m) => m.handler === undefined)).toBe(true);
  });
});

describe('ApiKeyAuthenticator', () => {
  const auth = new ApiKeyAuthenticator([
    { key: 'k-admin-0123456789', role: 'admin' },
    { key: 'k-tech-0123456789', role: 'technician', staffId: 'staff-7' },
  ]);
  const md = (value?: string) => {
    const m = new grpc.Metadata();
    if (value !== undefined) m.set('authorization', value);
    return m;
  };

  it('maps `Bearer <key>` to the key’s principal, with a log-safe key id', () => {
    expect(auth.authenticate(md('Bearer k-tech-0123456789'))).toEqual({
      keyId: keyIdOf('k-tech-0123456789'),
      role: 'technician',
      staffId: 'staff-7',
    });
    expect(auth.authenticate(md('bearer k-admin-0123456789'))?.role).toBe('admin');
    expect(keyIdOf('k-admin-0123456789')).toMatch(/^[0-9a-f]{12}$/);
    expect(keyIdOf('k-admin-0123456789')).not.toContain('k-admin');
  });

  it('returns undefined for a missing, malformed or unknown credential', () => {
    for (const value of [undefined, '', 'k-admin-0123456789', 'Basic k-admin-0123456789', 'Bearer ', 'Bearer k-admin-012345678', 'Bearer k-admin-0123456789x']) {
      expect(auth.authenticate(md(value))).toBeUndefined();
    }
  });

  it('refuses bad configuration at startup', () => {
    expect(() => new ApiKeyAuthenticator([{ key: 'abc', role: 'root' }])).toThrow(/unknown role "root"/);
    expect(() => new ApiKeyAuthenticator([{ key: '', role: 'admin' }])).toThrow(/empty/);
    expect(
      () => new ApiKeyAuthenticator([
        { key: 'same', role: 'admin' },
        { key: 'same', role: 'noc' },
      ]),
    ).toThrow(/configured twice/);
    // the key itself never appears in the message
    expect(() => new ApiKeyAuthenticator([{ key: 'sekrit-value', role: 'root' }])).not.toThrow(/sekrit/);
  });
});
