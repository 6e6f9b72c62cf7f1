/**
 * What a scenario hands back, and how it is written: Markdown tables (the console and BENCHMARKS.md
 * print the same ones), each figure followed by its reading — static prose with the figures filled in.
 */

export type Cell = string | number;

export interface Table {
  header: string[];
  rows: Cell[][];
}

/** One table and the paragraph that says, plainly, what its numbers mean. */
export interface Figure {
  caption: string;
  table: Table;
  reading: string;
}

/** A scenario's key ratio against its goal (`target: null` when the issue sets none). */
export interface Headline {
  figure: string;
  value: number;
  /** Set for a figure that is not a ratio (`'ms'`). */
  unit?: string;
  target: string | null;
  met: boolean | null;
}

/** A correctness rule; a broken one sets the bench's exit code to 1. */
export interface Invariant {
  rule: string;
  holds: boolean;
  observed: string;
}

export interface ScenarioResult {
  /** How the scenario is set up, one paragraph. */
  setup: string;
  figures: Figure[];
  headlines: Headline[];
  invariants: Invariant[];
}

export interface ScenarioOptions {
  quick: boolean;
  /** Extra node flags for the BFF processes of the proxy-cost and tracing scenarios (e.g. `--cpu-prof`). */
  bffExecArgv: string[];
  /** The commit whose BFF the tracing scenario measures as "before"; `null` for none. */
  before: string | null;
}

export interface Scenario {
  id: string;
  title: string;
  run(options: ScenarioOptions): Promise<ScenarioResult>;
}

/** Numbers as a reader wants them: integers whole, ratios with two decimals, small values with three. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

/** A ratio, always with two decimals (`0.87`, `1.00`). */
export const ratio = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : String(n));

export function markdownTable({ header, rows }: Table): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? fmt(cell) : cell)));
  const line = (row: string[]) => `| ${row.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...cells.map(line)].join('\n');
}

/** A met/missed/— mark for a target. */
export const verdict = (met: boolean | null): string => (met === null ? '—' : met ? 'met' : '**missed**');

/** An invariant from a count that must equal `expected`. */
export function exactly(rule: string, observed: number, expected: number): Invariant {
  return { rule, holds: observed === expected, observed: fmt(observed) };
}

/** A count of calls that must be 0, given by status (`0`: no answer), so a broken run says how they failed. */
export function noCalls(rule: string, byStatus: ReadonlyMap<number, number>): Invariant {
  const count = total(byStatus);
  const statuses = [...byStatus].map(([status, n]) => `${status === 0 ? 'no answer' : `status ${status}`} × ${fmt(n)}`);
  return { rule, holds: count === 0, observed: count === 0 ? '0' : `${fmt(count)} (${statuses.join(', ')})` };
}

/** The sum of a count by status. */
export const total = (byStatus: ReadonlyMap<number, number>): number =>
  [...byStatus.values()].reduce((a, b) => a + b, 0);

/** A headline's value as printed: a ratio, or a figure with its unit. */
export const headlineValue = (h: Headline): string =>
  h.unit === undefined ? ratio(h.value) : `${fmt(h.value)} ${h.unit}`;

/** One scenario's section: setup and duration, then each figure's table and reading. */
export function renderScenario({ scenario, seconds, outcome }: RunEntry): string {
  if ('error' in outcome)
    return `## ${scenario.title}\n\nThe scenario failed after ${seconds.toFixed(0)} s: ${outcome.error}`;
  const figures = outcome.result.figures.map((f) => `### ${f.caption}\n\n${markdownTable(f.table)}\n\n${f.reading}`);
  return [`## ${scenario.title}`, `${outcome.result.setup} (${seconds.toFixed(0)} s)`, ...figures].join('\n\n');
}

export interface RunEntry {
  scenario: Scenario;
  seconds: number;
  /** The result, or the error that ended the scenario (which breaks the run). */
  outcome: { result: ScenarioResult } | { error: string };
}

/** The summary table: every headline against its target, and a line per scenario that failed. */
export function summaryTable(entries: readonly RunEntry[]): Table {
  return {
    header: ['scenario', 'figure', 'value', 'target', ''],
    rows: entries.flatMap(({ scenario, outcome }) =>
      'error' in outcome
        ? [[scenario.title, '**the scenario failed**', outcome.error, '—', '']]
        : outcome.result.headlines.map((h) => [
            scenario.title,
            h.figure,
            headlineValue(h),
            h.target ?? '—',
            verdict(h.met),
          ]),
    ),
  };
}

/** Every invariant of the run, by scenario, and the broken ones; a failed scenario counts as one broken. */
export function invariantsTable(entries: readonly RunEntry[]): { table: Table; broken: Cell[][] } {
  const rows: Cell[][] = [];
  const broken: Cell[][] = [];
  for (const { scenario, outcome } of entries) {
    const invariants: Invariant[] =
      'error' in outcome
        ? [{ rule: 'the scenario ran to the end', holds: false, observed: outcome.error }]
        : outcome.result.invariants;
    for (const invariant of invariants) {
      const row = [scenario.title, invariant.rule, invariant.observed, invariant.holds ? 'holds' : '**BROKEN**'];
      rows.push(row);
      if (!invariant.holds) broken.push(row);
    }
  }
  return { table: { header: ['scenario', 'must hold', 'observed', ''], rows }, broken };
}
