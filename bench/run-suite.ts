// Runs one suite and prints its figures as the last line: `RESULT {json}` (read by bench/run.ts).
// `--staged` (how bench/run.ts starts every suite at once): load the suite, print `LOADED`, and run it only at a
// line on stdin — loading a suite's code costs a process 1–3 CPU-seconds, and the suites load side by side on
// the machine's cores instead of one after the other, while none is measuring.
import { suites } from './suites.js';

const [name, ...flags] = process.argv.slice(2);
const suite = suites.find((s) => s.name === name);
if (suite === undefined) {
  process.stderr.write(`unknown suite ${name}; known: ${suites.map((s) => s.name).join(', ')}\n`);
  process.exit(64);
}
const run = await suite.load();
if (flags.includes('--staged')) {
  process.stdout.write('LOADED\n');
  await new Promise<void>((resolve) => {
    // stdin ends without a go when pnpm bench stopped (a suite before this one failed): nothing to run.
    const ended = () => process.exit(1);
    process.stdin.once('end', ended);
    process.stdin.once('data', () => {
      process.stdin.off('end', ended);
      process.stdin.pause();
      resolve();
    });
  });
}
const results = await run({ quick: flags.includes('--quick') });
process.stdout.write(`RESULT ${JSON.stringify(results)}\n`);
process.exit(0);
