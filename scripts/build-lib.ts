/**
 * `npm run build:lib`: the package's modules and declarations in dist/lib (what `exports` points at).
 * tsc emits every file of its program, including type-only modules (empty JS) and declarations no
 * public type mentions; those are pruned, so the tarball holds exactly what the entries reach
 * (tests/package.test.ts checks it from the packed tarball).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist/lib');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
};

rmSync(out, { recursive: true, force: true });
for (const project of ['tsconfig.lib.json', 'sw/tsconfig.lib.json']) {
  execFileSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit' });
}

const RELATIVE_IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** The files (package-relative) that `entries` reach through relative imports; a declaration's `./x.ts` is `./x.d.ts`. */
function reach(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(join(root, file), 'utf8').matchAll(RELATIVE_IMPORT)) {
      const target = posix.normalize(posix.join(posix.dirname(file), spec!));
      visit(file.endsWith('.d.ts') ? target.replace(/(\.d)?\.[jt]s$/, '.d.ts') : target);
    }
  };
  entries.map((entry) => entry.replace(/^\.\//, '')).forEach(visit);
  return seen;
}

const targets = Object.values(pkg.exports).filter((target) => typeof target !== 'string');
const keep = new Set([...reach(targets.map((t) => t.default)), ...reach(targets.map((t) => t.types))]);
for (const file of [...keep]) if (file.endsWith('.js')) keep.add(`${file}.map`);

const listFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
let pruned = 0;
for (const path of listFiles(out)) {
  if (keep.has(relative(root, path).split('\\').join('/'))) continue;
  rmSync(path);
  pruned += 1;
}
const missing = [...keep].filter((file) => !existsSync(join(root, file)) && !file.endsWith('.map'));
if (missing.length > 0) throw new Error(`dist/lib lacks what the exports reach: ${missing.join(', ')}`);
console.log(`dist/lib: ${keep.size} files the exports reach (${pruned} type-only or unreferenced files pruned)`);
