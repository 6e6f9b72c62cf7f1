/**
 * Small HTTP helpers shared by the emulator's routes: the Hono env type, socket access, delays, HTML.
 */
import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { Socket } from 'node:net';

/** Bindings are partial: `app.request()` in unit tests has no Node socket behind it. */
export type EmulatorEnv = { Bindings: Partial<HttpBindings> };
export type EmulatorContext = Context<EmulatorEnv>;

export function socketOf(c: EmulatorContext): Socket | null {
  return (c.env?.incoming?.socket as Socket | undefined) ?? null;
}

/** Resolves after `ms`, or at once when `signal` aborts (emulator shutdown must not wait on faults). */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);

/** A minimal page; `bodyHtml` must already be escaped. */
export function htmlPage(title: string, bodyHtml: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
button{display:block;width:100%;margin:.5rem 0;padding:.75rem;font-size:1rem;text-align:left;cursor:pointer}
.muted{color:#666;font-size:.875rem}</style></head><body>${bodyHtml}</body></html>`;
}

/**
 * Parses a form body strictly: RFC 6749 §3.2 forbids repeating a parameter, so duplicates are an error.
 * Returns `null` for a non-form content type.
 */
export function parseStrictForm(
  contentType: string | undefined,
  body: string,
): { params: Map<string, string>; duplicate: string | null } | null {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') return null;
  return strictParams(new URLSearchParams(body));
}

export function strictParams(search: URLSearchParams): {
  params: Map<string, string>;
  duplicate: string | null;
} {
  const params = new Map<string, string>();
  let duplicate: string | null = null;
  for (const [key, value] of search) {
    if (params.has(key)) duplicate ??= key;
    params.set(key, value);
  }
  return { params, duplicate };
}
