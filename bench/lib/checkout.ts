/**
 * Another commit of this repository, built beside the working tree, so that a scenario can run its BFF
 * next to today's in the same rounds: "before this change" measured in the same run, not quoted from an
 * older one. The commit's files come from `git archive` into `artifacts/checkouts/<sha>/`, its
 * dependencies are this tree's `node_modules` (linked: a commit whose lockfile differs is refused), and
 * its server is compiled with its own `tsconfig.build.json`. A checkout built once is reused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

const git = (...args: string[]): string => execFileSync('git', args, { cwd: REPO, encoding: 'utf8' }).trim();

/** The dependencies a lockfile installs, by path and version (what a linked `node_modules` must match). */
function installed(lockfile: string): Map<string, string> {
  const { packages } = JSON.parse(lockfile) as { packages: Record<string, { version?: string }> };
  return new Map(Object.entries(packages).map(([path, entry]) => [path, entry.version ?? '']));
}

/**
 * The root URL of `ref`'s checkout, built. @throws Error when `ref` is not a commit here (a shallow
 * clone, a typo), or when it needs a dependency (or a version) this tree's `node_modules` lacks.
 */
export function prepareCheckout(ref: string): { root: URL; sha: string } {
  let sha: string;
  try {
    sha = git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    throw new Error(`${ref} is not a commit of this repository (a shallow clone has no history)`);
  }
  const dir = `${REPO}artifacts/checkouts/${sha.slice(0, 12)}/`;
  const root = pathToFileURL(dir);
  if (existsSync(`${dir}dist/node/server/server.js`)) return { root, sha };

  const theirs = installed(git('show', `${sha}:package-lock.json`));
  const ours = installed(readFileSync(`${REPO}package-lock.json`, 'utf8'));
  const missing = [...theirs].filter(([path, version]) => path !== '' && ours.get(path) !== version);
  if (missing.length > 0) {
    throw new Error(
      `${ref} needs dependencies this tree does not have (${missing
        .slice(0, 3)
        .map(([path, version]) => `${path.replace(/^node_modules\//, '')}@${version}`)
        .join(', ')}…)`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync('git', ['archive', sha], { cwd: REPO, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(`${REPO}node_modules`, `${dir}node_modules`, 'dir');
  execFileSync(`${REPO}node_modules/.bin/tsc`, ['-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  return { root, sha };
}
