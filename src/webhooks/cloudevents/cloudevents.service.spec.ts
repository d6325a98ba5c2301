import { presentedToken } from './cloudevents.service.js';

describe('presentedToken', () => {
  const basic = (userinfo: string) => `Basic ${Buffer.from(userinfo).toString('base64')}`;

  it('reads a bearer token first', () => {
    expect(presentedToken('Bearer sw_abc', 'sw_query')).toBe('sw_abc');
  });

  it('reads the password of Basic credentials (a sink URL with user info)', () => {
    expect(presentedToken(basic('shipwatch:sw_secret'), undefined)).toBe('sw_secret');
    expect(presentedToken(basic(':sw_secret'), undefined)).toBe('sw_secret');
    expect(presentedToken(basic('only-a-user'), undefined)).toBeUndefined();
    expect(presentedToken(basic('user:'), undefined)).toBeUndefined();
  });

  it('falls back to the access_token query parameter', () => {
    expect(presentedToken(undefined, 'sw_query')).toBe('sw_query');
    expect(presentedToken('Digest x', 'sw_query')).toBe('sw_query');
    expect(presentedToken(undefined, undefined)).toBeUndefined();
  });
});
