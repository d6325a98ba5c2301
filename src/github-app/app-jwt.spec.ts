import { createVerify, generateKeyPairSync } from 'node:crypto';
import { appJwt } from './app-jwt.js';

describe('appJwt', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const now = new Date('2026-12-04T12:00:00Z');
  const seconds = now.getTime() / 1000;

  it('is RS256, signed by the private key, iss the App ID, iat 60 s back, exp under 10 min', () => {
    const jwt = appJwt(123456, privateKey, now);
    const [header, claims, signature] = jwt.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      alg: 'RS256',
      typ: 'JWT',
    });
    const body = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
    expect(body).toEqual({ iss: '123456', iat: seconds - 60, exp: seconds + 540 });
    expect((body.exp as number) - (body.iat as number)).toBeLessThanOrEqual(600);
    const verified = createVerify('RSA-SHA256')
      .update(`${header}.${claims}`)
      .verify(publicKey, Buffer.from(signature, 'base64url'));
    expect(verified).toBe(true);
  });

  it('does not verify with another key', () => {
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const [header, claims, signature] = appJwt(1, privateKey, now).split('.');
    expect(
      createVerify('RSA-SHA256')
        .update(`${header}.${claims}`)
        .verify(other.publicKey, Buffer.from(signature, 'base64url')),
    ).toBe(false);
  });
});
