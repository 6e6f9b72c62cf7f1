import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

/**
 * A hostile middleman between the BFF and the emulator, for the id_token checks: it serves the
 * emulator's discovery documents with its own token endpoint and JWKS, forwards code exchanges to
 * the emulator, and re-signs the id_token after `tamper` has changed its claims — with its published
 * key, or with an unpublished one to forge a signature. With no tampering its tokens must pass, which
 * proves the harness itself is sound.
 */
export async function startTamperingIssuer(emulatorUrl: string) {
  const published = await generateKeyPair('RS256', { extractable: true });
  const unpublished = await generateKeyPair('RS256', { extractable: true });
  const kid = 'tampering-issuer';
  const jwk = { ...(await exportJWK(published.publicKey)), kid, alg: 'RS256', use: 'sig' };

  let tamper: (claims: JWTPayload) => JWTPayload = (claims) => claims;
  let forgeSignature = false;

  const app = new Hono();
  let origin = '';
  app.get('/.well-known/openid-configuration', async (c) => {
    const upstream = (await (await fetch(`${emulatorUrl}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    return c.json({ ...upstream, token_endpoint: `${origin}/token`, jwks_uri: `${origin}/jwks` });
  });
  app.get('/.well-known/customer-account-api', async (c) =>
    c.json(await (await fetch(`${emulatorUrl}/.well-known/customer-account-api`)).json()),
  );
  app.get('/jwks', (c) => c.json({ keys: [jwk] }));
  app.post('/token', async (c) => {
    const metadata = (await (await fetch(`${emulatorUrl}/.well-known/openid-configuration`)).json()) as {
      token_endpoint: string;
    };
    const headers = new Headers(c.req.raw.headers);
    headers.delete('host');
    headers.delete('content-length');
    const upstream = await fetch(metadata.token_endpoint, { method: 'POST', headers, body: await c.req.text() });
    const body = (await upstream.json()) as Record<string, unknown>;
    if (typeof body.id_token === 'string') {
      const claims = tamper(decodeJwt(body.id_token));
      body.id_token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .sign(forgeSignature ? unpublished.privateKey : published.privateKey);
    }
    return c.json(body, upstream.status as 200);
  });

  const { server, port } = await new Promise<{ server: ServerType; port: number }>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', overrideGlobalObjects: false }, (info) =>
      resolve({ server, port: info.port }),
    );
  });
  origin = `http://localhost:${port}`;

  return {
    url: origin,
    /** Changes the claims of every id_token from now on. */
    setTamper(fn: (claims: JWTPayload) => JWTPayload) {
      tamper = fn;
    },
    /** Signs with a key that is not in the published JWKS. */
    setForgeSignature(value: boolean) {
      forgeSignature = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
