/**
 * `npm run doctor`: one line per check of the BFF's configuration and dependencies, with a fix for each
 * failure; exits 1 if any check failed. Reads the same environment (and `.env`) as the BFF.
 */
import { loadDotEnv } from '../server/config.ts';
import { formatResults, runDoctor } from '../server/doctor.ts';

loadDotEnv();
const results = await runDoctor(process.env);
console.log(formatResults(results));
const failed = results.filter((result) => result.status === 'fail').length;
console.log(failed === 0 ? 'doctor: all checks passed' : `doctor: ${failed} check(s) failed`);
process.exit(failed === 0 ? 0 : 1);
