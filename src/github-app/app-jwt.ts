import { createSign } from 'node:crypto';

/** GitHub refuses a JWT that expires more than 10 minutes after it was issued. */
export const APP_JWT_LIFETIME_SECONDS = 9 * 60;

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/**
 * The JWT a GitHub App authenticates as itself with (RS256, signed with the App's private key):
 * `iss` the App ID, `iat` 60 s in the past (GitHub's advice against clock drift), `exp` 9 min
 * after now, within GitHub's 10 min limit. node:crypto signs it: three JSON fields do not need a
 * dependency.
 */
export function appJwt(appId: number, privateKeyPem: string, now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(
    JSON.stringify({
      iat: seconds - 60,
      exp: seconds + APP_JWT_LIFETIME_SECONDS,
      iss: String(appId),
    }),
  );
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(privateKeyPem);
  return `${header}.${claims}.${base64url(signature)}`;
}
