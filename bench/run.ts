// `pnpm bench [--quick]`: runs every suite in one process run, prints a table, writes bench/results.json.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchResults } from './measure.js';
import { suites } from './suites.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--quick');
  if (unknown.length > 0)
    throw new Error(`pnpm bench: unknown argument(s) ${unknown.join(' ')}; usage: pnpm bench [--quick]`);
  const quick = args.includes('--quick');

  const results: BenchResults = {};
  for (const suite of suites) {
    const started = Date.now();
    process.stderr.write(`bench: ${suite.name}...\n`);
    const figures = await runSuite(suite.name, quick);
    for (const [key, measure] of Object.entries(figures)) results[`${suite.name}.${key}`] = measure;
    process.stderr.write(`bench: ${suite.name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }

  const rows = Object.entries(results).map(([name, m]) => [
    name,
    `${round(m.value)} ${m.unit}`,
    m.baseline === undefined ? '' : `${round(m.baseline)} ${m.unit}`,
    m.ratio === undefined ? '' : `${m.ratio}`,
    m.note ?? '',
  ]);
  printTable(['measure', 'value', 'baseline', 'ratio', 'note'], rows);

  const out = {
    ...results,
    _machine: {
      value: os.cpus().length,
      unit: 'cores',
      note: `${os.cpus()[0]?.model ?? 'unknown cpu'}; node ${process.version}; ${quick ? 'quick' : 'full'} run; ${new Date().toISOString()}`,
    },
  };
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');
  await writeFile(file, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), file)}\n`);
}

/** One suite in a fresh process; its figures come back as the `RESULT {json}` line. */
function runSuite(name: string, quick: boolean): Promise<BenchResults> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run-suite.ts');
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', script, name, ...(quick ? ['--quick'] : [])],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let result: BenchResults | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length)) as BenchResults;
    else process.stderr.write(`  ${line}\n`);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`bench suite ${name} failed (exit ${code})`));
    });
  });
}

function round(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
