/**
 * `npm run probe:shopify`: measures a real store's refresh-token behaviour with one sign-in and writes the
 * report. The probe itself is `runShopifyProbe` (scripts/probe/probe.ts); this file only reads the
 * configuration, prints, writes the file and sets the exit code: 0 for a completed probe, 1 with one line
 * for anything else.
 */
import { writeFile } from 'node:fs/promises';
import { loadDotEnv } from '../server/config.ts';
import { USAGE, parseProbeCli } from './probe/config.ts';
import { runShopifyProbe } from './probe/probe.ts';
import { ProbeError, formatSummary } from './probe/report.ts';

try {
  loadDotEnv();
  const config = parseProbeCli(process.argv.slice(2), process.env);
  if (config === 'help') {
    console.log(USAGE);
  } else {
    const { settings, outPath } = config;
    const report = await runShopifyProbe({
      ...settings,
      onAuthorizeUrl: (url) => {
        console.log(
          `Open this URL in a browser and sign in (the probe waits ${settings.callbackTimeoutMs / 1000} s on 127.0.0.1:${settings.listenPort}):`,
        );
        console.log(url);
      },
      onProgress: (line) => console.log(line),
    });
    await writeFile(outPath, `${JSON.stringify(report, null, 2)}\n`);
    for (const line of formatSummary(report)) console.log(line);
    console.log(`report written to ${outPath}`);
  }
} catch (error) {
  // Past the probe (which answers ProbeError only) nothing holds a secret: e.g. the report file's write error.
  const message = error instanceof ProbeError ? error.message : String(error).split('\n')[0];
  console.error(`probe:shopify: ${message}`);
  process.exitCode = 1;
}
