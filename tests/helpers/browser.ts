/**
 * A tiny cookie-keeping HTTP client standing in for one browser profile: it follows redirects by hand
 * (so tests can see every hop) and records every response it saw, so tests can scan them for secrets.
 */
export interface SeenResponse {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Browser {
  /** One request, no redirect following; cookies for the target origin are sent and stored. */
  request(url: string, init?: RequestInit): Promise<Response & { text(): Promise<string> }>;
  /** Follows redirects (GET) until a non-redirect answer or `stopAt` matches the next URL. */
  navigate(
    url: string,
    options?: { stopAt?: (url: URL) => boolean; maxHops?: number },
  ): Promise<{ url: URL; response: Response; body: string }>;
  cookies(origin: string): Map<string, string>;
  setCookie(origin: string, name: string, value: string): void;
  readonly seen: SeenResponse[];
}

export function createBrowser(): Browser {
  const jar = new Map<string, Map<string, string>>();
  const seen: SeenResponse[] = [];
  const cookiesFor = (origin: string) => {
    let cookies = jar.get(origin);
    if (!cookies) jar.set(origin, (cookies = new Map()));
    return cookies;
  };

  async function request(url: string, init: RequestInit = {}) {
    const target = new URL(url);
    const cookies = cookiesFor(target.origin);
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const send = () => fetch(target, { ...init, headers, redirect: 'manual' });
    // Like a browser, retry once when a reused keep-alive socket turns out to be dead (the server
    // restarted under it): the request never reached the new server.
    const response = await send().catch((error: unknown) => {
      if ((error as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw error;
      return send();
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
    }
    const body = await response.text();
    seen.push({ url: target.href, status: response.status, headers: Object.fromEntries(response.headers), body });
    const replay = new Response(response.status === 204 || response.status === 304 ? null : body, {
      status: response.status,
      headers: response.headers,
    });
    return replay;
  }

  return {
    request,
    async navigate(url, { stopAt, maxHops = 10 } = {}) {
      let current = new URL(url);
      for (let hop = 0; hop < maxHops; hop++) {
        const response = await request(current.href);
        const location = response.headers.get('location');
        if (response.status < 300 || response.status >= 400 || location === null) {
          return { url: current, response, body: await response.text() };
        }
        const next = new URL(location, current);
        if (stopAt?.(next)) return { url: next, response, body: '' };
        current = next;
      }
      throw new Error(`more than ${maxHops} redirects from ${url}`);
    },
    cookies: (origin) => cookiesFor(origin),
    setCookie: (origin, name, value) => void cookiesFor(origin).set(name, value),
    seen,
  };
}
