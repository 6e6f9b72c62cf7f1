/**
 * The machine a run measured, and whether something else was using it meanwhile. Ratios survive a
 * busy machine better than absolute figures, but not entirely: a reader of BENCHMARKS.md should know.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { basename } from 'node:path';

export interface Machine {
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  node: string;
  kernel: string;
  date: string;
  /** The 1-minute load average when the run started. */
  loadAtStart: number;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpuCount: list.length,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    kernel: `${process.platform} ${release()}`,
    date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    loadAtStart: loadavg()[0]!,
  };
}

/** CPU time the machine spent outside the bench while it ran. */
export interface OtherLoad {
  seconds: number;
  /** CPU-seconds used by processes that are not the bench, its children or the Redis it uses. */
  otherCpuSeconds: number;
  /** The same as a share of all cores over the run (0.25 = a quarter of the machine). */
  otherShare: number;
  /** The busiest other commands, most CPU first. */
  top: Array<{ command: string; cpuSeconds: number }>;
}

interface ProcSample {
  ppid: number;
  command: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

// Linux reports CPU times in USER_HZ ticks, 100 per second on every architecture Node runs on.
const TICKS_PER_SECOND = 100;
const SAMPLE_EVERY_MS = 2_000;
const FLAGS_WITH_VALUES = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-e', '--eval']);

function readProcesses(): Map<number, ProcSample> {
  const table = new Map<number, ProcSample>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command sits in parentheses and may itself hold spaces or parentheses: split after the last one.
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      table.set(Number(entry), {
        ppid: Number(fields[1]),
        command: stat.slice(stat.indexOf('(') + 1, close),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return table;
}

/**
 * A readable name for a process: its program, and for an interpreter the script it runs (`node tsc`).
 * The kernel's own name is no help here: Node 24 calls every main thread `MainThread`.
 */
function commandOf(pid: number, fallback: string): string {
  try {
    const [program, ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (program === undefined) return fallback;
    // The script is the first argument that is neither a flag nor a flag's value (`-r x.cjs`, `--import x`).
    // (`node node …` is npm's launcher running the project's own Node: look past it.)
    const script = args.find(
      (arg, i) =>
        !arg.startsWith('-') && !FLAGS_WITH_VALUES.has(args[i - 1] ?? '') && basename(arg) !== basename(program),
    );
    return script === undefined ? basename(program) : `${basename(program)} ${basename(script)}`;
  } catch {
    return fallback;
  }
}

/**
 * Samples /proc every 2 s and adds up the CPU time of every process outside the bench's own tree.
 * Kernel threads (mostly loopback networking the bench causes) and redis-server (which the bench
 * drives) count as the bench's. A process that starts and ends between two samples is missed, so
 * the figure is a lower bound. Off Linux it reports nothing.
 */
export function startLoadMonitor(): { stop(): OtherLoad | null } {
  const startedAt = performance.now();
  let previous: Map<number, ProcSample>;
  try {
    previous = readProcesses();
  } catch {
    return { stop: () => null };
  }
  const otherTicks = new Map<string, number>();
  const commands = new Map<number, string>();
  const isOurs = (pid: number, table: Map<number, ProcSample>): boolean => {
    for (let at = pid, hops = 0; at > 1 && hops < 64; hops += 1) {
      if (at === process.pid || at === 2) return true;
      const entry = table.get(at);
      if (entry === undefined) return false;
      if (entry.command === 'redis-server') return true;
      at = entry.ppid;
    }
    return false;
  };
  const sample = () => {
    const current = readProcesses();
    for (const [pid, now] of current) {
      const before = previous.get(pid);
      // A process new since the last sample started during the run: all its time counts.
      const ticks = before === undefined ? now.ticks : now.ticks - before.ticks;
      if (ticks <= 0 || isOurs(pid, current)) continue;
      let command = commands.get(pid);
      if (command === undefined) commands.set(pid, (command = commandOf(pid, now.command)));
      otherTicks.set(command, (otherTicks.get(command) ?? 0) + ticks);
    }
    previous = current;
  };
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      const seconds = (performance.now() - startedAt) / 1000;
      const otherCpuSeconds = [...otherTicks.values()].reduce((a, b) => a + b, 0) / TICKS_PER_SECOND;
      return {
        seconds,
        otherCpuSeconds,
        otherShare: otherCpuSeconds / (seconds * cpus().length),
        top: [...otherTicks]
          .filter(([, ticks]) => ticks >= TICKS_PER_SECOND)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([command, ticks]) => ({ command, cpuSeconds: ticks / TICKS_PER_SECOND })),
      };
    },
  };
}

/** The machine as a two-column table for BENCHMARKS.md. */
export function machineRows(machine: Machine, load: OtherLoad | null): Array<[string, string]> {
  const other =
    load === null
      ? 'not measured (no /proc)'
      : `${load.otherCpuSeconds.toFixed(0)} CPU-seconds used by other processes over the run's ` +
        `${load.seconds.toFixed(0)} s, ${(100 * load.otherShare).toFixed(0)} % of the machine` +
        (load.top.length === 0
          ? ''
          : ` (busiest: ${load.top.map((t) => `${t.command} ${t.cpuSeconds.toFixed(0)} s`).join(', ')})`);
  return [
    ['CPU', `${machine.cpuModel} × ${machine.cpuCount}`],
    ['memory', `${machine.memoryGiB.toFixed(1)} GiB`],
    ['Node', machine.node],
    ['system', machine.kernel],
    ['date', machine.date],
    ['load average at the start', machine.loadAtStart.toFixed(2)],
    ['other load during the run', other],
  ];
}
