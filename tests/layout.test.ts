/**
 * The layout rules of the README, as a check: which folder may import which. A forbidden import fails
 * this test with the file, the line and the rule it breaks.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Rule {
  /** The importing files this rule is about (a path prefix from the repository root). */
  from: string;
  /** Imported paths (from the root) that are forbidden, unless `except` allows them. */
  forbidden: (target: string) => boolean;
  why: string;
}

const under = (prefix: string) => (target: string) => target.startsWith(prefix);

const RULES: Rule[] = [
  {
    from: 'server/',
    forbidden: under('emulator/'),
    why: 'the BFF talks to the emulator over HTTP only, exactly as to Shopify',
  },
  {
    from: 'server/',
    forbidden: (target) => target.startsWith('client/') && target !== 'client/messages.ts',
    why: 'the server shares only the wire types of client/messages.ts with the pages',
  },
  {
    from: 'client/',
    forbidden: (target) => target.startsWith('server/') || target.startsWith('emulator/'),
    why: 'page code never imports server code',
  },
  {
    from: 'sw/',
    forbidden: (target) =>
      !target.startsWith('sw/') && target !== 'client/messages.ts' && !target.startsWith('client/core/'),
    why: 'the service worker may use only its own files, the message contract and the runtime-neutral core (no DOM code)',
  },
  {
    from: 'client/core/',
    forbidden: (target) => !target.startsWith('client/core/') && target !== 'client/messages.ts',
    why: 'the coordination core runs in windows and in the service worker: it imports nothing DOM-only',
  },
];

const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every relative import of `source` (a file at `file`, from the root), resolved to a root-relative path. */
function importsOf(file: string, source: string): Array<{ target: string; line: number }> {
  const found: Array<{ target: string; line: number }> = [];
  for (const match of source.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? '';
    if (!specifier.startsWith('.')) continue;
    const target = relative(root, resolve(root, dirname(file), specifier))
      .split('\\')
      .join('/');
    found.push({ target, line: source.slice(0, match.index).split('\n').length });
  }
  return found;
}

/** The broken rules in one file, as `file:line imports target — why`. */
function violations(file: string, source: string): string[] {
  return importsOf(file, source).flatMap(({ target, line }) =>
    RULES.filter((rule) => file.startsWith(rule.from) && rule.forbidden(target)).map(
      (rule) => `${file}:${line} imports ${target} — ${rule.why}`,
    ),
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs)$/.test(name) ? [path.split('\\').join('/')] : [];
  });
}

describe('layout rules', () => {
  it('no file imports across a forbidden folder boundary', () => {
    const files = ['server', 'client', 'sw'].flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(50);
    const broken = files.flatMap((file) => violations(file, readFileSync(join(root, file), 'utf8')));
    expect(broken).toEqual([]);
  });

  it('catches each kind of forbidden import (the check itself can fail)', () => {
    expect(violations('server/api/x.ts', "import { startEmulator } from '../../emulator/server.ts';")).toEqual([
      'server/api/x.ts:1 imports emulator/server.ts — the BFF talks to the emulator over HTTP only, exactly as to Shopify',
    ]);
    expect(violations('server/x.ts', "import type { SessionView } from '../client/messages.ts';")).toEqual([]);
    expect(violations('server/x.ts', "import { x } from '../client/lib/index.ts';")).toHaveLength(1);
    expect(violations('client/lib/x.ts', "const m = await import('../../server/config.ts');")).toHaveLength(1);
    expect(violations('sw/main.ts', "import { renderPanel } from '../client/app/panel.ts';")).toHaveLength(1);
    expect(violations('sw/main.ts', "import { createCoordinator } from '../client/core/coordinator.ts';")).toEqual([]);
    expect(violations('client/core/lock.ts', "import { x } from '../lib/emitter.ts';")).toHaveLength(1);
    // Packages are not folders of ours: the rules are about our own boundaries.
    expect(violations('sw/main.ts', "import { Workbox } from 'workbox-window';")).toEqual([]);
  });
});
