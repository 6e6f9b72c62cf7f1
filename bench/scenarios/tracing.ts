/**
 * Scenario 8, what tracing costs: the proxy-cost call (a session minted into SQLite, a fast upstream)
 * through four BFF processes in the same rounds (a shuffled order each, every process idle before each
 * side): tracing off, a second one with tracing off (the noise: two identical processes differ by this
 * much), tracing on (every call sampled, its spans exported over OTLP/HTTP to the fast upstream, which
 * counts and drops them), and the BFF of the commit before tracing was added, built from git
 * (`--before`), with its answer to "off costs nothing".
 */
import { prepareCheckout } from '../lib/checkout.ts';
import { compareRounds, median, proxiedCall, type RoundOptions, type Side, type SideResult } from '../lib/load.ts';
import { stopAll } from '../lib/processes.ts';
import { exactly, ratio, type Invariant, type Scenario } from '../lib/report.ts';
import { mintFastSessions, startBffProcess, startFastUpstream, type BffProcess } from '../lib/stacks.ts';
import type { TraceSinkStats } from '../servers.ts';

/** The last commit before tracing: `npm run bench -- --before <ref>` measures another. */
export const BEFORE_TRACING = '590eccf';

/**
 * More rounds than the other scenarios, the differences looked for being a few per cent, and every BFF
 * paced to one rate that all of them keep up with (tracing on serves ~3,500 calls/s here): a faster
 * process batching more calls per turn of its event loop would otherwise spend less CPU per call for that
 * reason alone.
 */
const RATE = 1_500;
const rounds = (quick: boolean): RoundOptions =>
  quick
    ? { warmupMs: 300, roundMs: 1_000, rounds: 2, ratePerSecond: RATE, shuffle: true }
    : { warmupMs: 1_000, roundMs: 1_000, rounds: 16, ratePerSecond: RATE, shuffle: true };

/** `a`'s BFF CPU per call over `b`'s, round by round: two sides measured seconds apart. */
const perRound = (a: SideResult, b: SideResult): number[] =>
  a.cpuUsPerCallByRound.map((round, r) => round['bff']! / b.cpuUsPerCallByRound[r]!['bff']!);

export const tracing: Scenario = {
  id: 'tracing',
  title: '8. What tracing costs',
  async run({ quick, bffExecArgv, before }) {
    const checkout = before === null ? null : prepareCheckout(before);
    const upstream = await startFastUpstream();
    const start = (extra: { env?: Record<string, string>; root?: URL } = {}) =>
      startBffProcess({ storefront: upstream.url, execArgv: bffExecArgv, ...extra });
    const bffs: Array<{ name: string; bff: BffProcess }> = [
      { name: 'BFF, tracing off', bff: await start() },
      { name: 'BFF, tracing off (a second process: the noise)', bff: await start() },
      {
        name: 'BFF, tracing on (every call sampled and exported)',
        bff: await start({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: upstream.url } }),
      },
    ];
    if (checkout !== null) {
      bffs.push({
        name: `BFF before tracing (${checkout.sha.slice(0, 7)})`,
        bff: await start({ root: checkout.root }),
      });
    }
    try {
      const sides: Side[] = [];
      for (const { name, bff } of bffs) {
        const [cookie] = await mintFastSessions(bff, 1);
        sides.push({
          name,
          target: proxiedCall(bff.url, cookie!),
          processes: { bff: bff.child, upstream: upstream.child },
        });
      }
      const sinkBefore = await upstream.child.call<TraceSinkStats>({ type: 'trace-sink' });
      const results = await compareRounds(sides, rounds(quick));
      const [off, offAgain, on, old] = results;
      // Spans still buffered in the BFF when the rounds end are exported within 5 s; those are not waited for.
      const sink = await upstream.child.call<TraceSinkStats>({ type: 'trace-sink' });
      const cpu = (row: typeof off) => row!.cpuUsPerCall.bff!;
      const ratios = [
        { name: 'tracing on ÷ tracing off', values: perRound(on!, off!) },
        { name: 'tracing off ÷ a second process off (the noise)', values: perRound(offAgain!, off!) },
        ...(old === undefined ? [] : [{ name: 'tracing off ÷ before tracing', values: perRound(off!, old) }]),
      ];
      const onVsOff = median(ratios[0]!.values);
      const noise = median(ratios[1]!.values);
      // The widest the noise went in any round: a difference inside it cannot be told from none.
      const noiseBound = Math.max(...ratios[1]!.values.map((value) => Math.abs(value - 1)));
      const offVsBefore = old === undefined ? null : median(ratios[2]!.values);
      const withinNoise = offVsBefore !== null && Math.abs(offVsBefore - 1) <= noiseBound;
      const spansPerCall = (sink.spans - sinkBefore.spans) / Math.max(1, on!.requests);
      const errors = results.reduce((n, r) => n + r.errors, 0);
      const invariants: Invariant[] = [
        exactly('failed calls', errors, 0),
        {
          rule: 'the tracing BFF exported spans',
          holds: sink.spans > sinkBefore.spans,
          observed: `${sink.spans - sinkBefore.spans} spans in ${sink.exports - sinkBefore.exports} exports`,
        },
      ];
      return {
        setup:
          `The fast upstream (also the OTLP/HTTP receiver: it counts spans and drops them) and ${bffs.length} BFF ` +
          `processes on SQLite, each holding one minted session, called in ${rounds(quick).rounds} rounds of ` +
          `${rounds(quick).roundMs / 1000} s, in a shuffled order each round (seeded), each side after every process ` +
          `is idle, after a warm-up each.` +
          (checkout === null ? ' No commit before tracing was measured (`--before none`).' : ''),
        figures: [
          {
            caption: 'CPU per call by BFF',
            table: {
              header: ['BFF', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'BFF CPU µs/call', 'vs tracing off'],
              rows: results.map((r) => [r.name, r.rps, r.p50, r.p99, r.errors, cpu(r), ratio(cpu(r) / cpu(off))]),
            },
            reading:
              `Every BFF serves the same ${RATE.toLocaleString('en-US')} calls/s, so their CPU per call compare at one ` +
              `load. The ratios that matter are taken within each round (below), between sides measured seconds apart.`,
          },
          {
            caption: 'BFF CPU per call ratios, taken within each round',
            table: {
              header: ['ratio', 'median', 'lowest', 'highest', 'by round'],
              rows: ratios.map(({ name, values }) => [
                name,
                ratio(median(values)),
                ratio(Math.min(...values)),
                ratio(Math.max(...values)),
                values.map(ratio).join(', '),
              ]),
            },
            reading:
              `Tracing off, the BFF's hot path checks one variable per span it would have made; the SDK is not even ` +
              `loaded. Two identical processes with tracing off differ by ${ratio(noise)}× at the median and by as much ` +
              `as ±${Math.round(noiseBound * 100)} % in a round: that is the noise of this run.` +
              (offVsBefore === null
                ? ''
                : ` Against the BFF of the commit before tracing, tracing off costs ${ratio(offVsBefore)}× the CPU ` +
                  `per call at the median: ${withinNoise ? 'within' : 'beyond'} the noise.`) +
              ` Tracing on, with every call sampled and exported (the worst case: production would sample with ` +
              `OTEL_TRACES_SAMPLER), costs ${ratio(onVsOff)}× the CPU per call of tracing off: ${spansPerCall.toFixed(1)} ` +
              `spans per call (the request, the session read, the upstream call, and a session touch now and then), ` +
              `each built, batched, serialised to JSON and posted.`,
          },
        ],
        headlines: [
          { figure: 'BFF CPU per call, tracing on vs off (median of rounds)', value: onVsOff, target: null, met: null },
          {
            figure: 'BFF CPU per call, tracing off vs a second process off (the noise)',
            value: noise,
            target: null,
            met: null,
          },
          ...(offVsBefore === null
            ? []
            : [
                {
                  figure: 'BFF CPU per call, tracing off vs before tracing (median of rounds)',
                  value: offVsBefore,
                  target: `within the noise (1 ± ${ratio(noiseBound)})`,
                  met: withinNoise,
                },
              ]),
        ],
        invariants,
      };
    } finally {
      await stopAll([upstream.child, ...bffs.map(({ bff }) => bff.child)]);
    }
  },
};
