// Runs one suite and prints its figures as the last line: `RESULT {json}` (read by bench/run.ts).
import { suites } from './suites.js';

const [name, ...flags] = process.argv.slice(2);
const suite = suites.find((s) => s.name === name);
if (suite === undefined) {
  process.stderr.write(`unknown suite ${name}; known: ${suites.map((s) => s.name).join(', ')}\n`);
  process.exit(64);
}
const run = await suite.load();
const results = await run({ quick: flags.includes('--quick') });
process.stdout.write(`RESULT ${JSON.stringify(results)}\n`);
process.exit(0);
