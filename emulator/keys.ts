/**
 * The emulator's id_token signing key: generated at start (never persisted), published as a JWKS.
 */
import { randomUUID } from 'node:crypto';
import { compactVerify, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  email: string;
  sid: string;
  nonce: string | null;
  iatSeconds: number;
  expSeconds: number;
}

export interface SigningKeys {
  jwks: { keys: JWK[] };
  signIdToken(claims: IdTokenClaims): Promise<string>;
  /**
   * Checks the signature only (`alg` RS256, our `kid`) and returns the payload, or `null`. Expiry is
   * deliberately not checked: the end-session endpoint accepts expired id_token hints.
   */
  verifySignature(jwt: string): Promise<Record<string, unknown> | null>;
}

export async function createSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };

  return {
    jwks: { keys: [publicJwk] },
    async signIdToken(claims) {
      const payload: Record<string, unknown> = { email: claims.email, sid: claims.sid };
      if (claims.nonce !== null) payload.nonce = claims.nonce;
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(claims.iss)
        .setSubject(claims.sub)
        .setAudience(claims.aud)
        .setIssuedAt(claims.iatSeconds)
        .setExpirationTime(claims.expSeconds)
        .sign(privateKey);
    },
    async verifySignature(jwt) {
      try {
        const { payload, protectedHeader } = await compactVerify(jwt, publicKey, {
          algorithms: ['RS256'],
        });
        if (protectedHeader.kid !== kid) return null;
        const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
        return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
          ? (claims as Record<string, unknown>)
          : null;
      } catch {
        return null;
      }
    },
  };
}
