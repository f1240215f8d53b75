// Runs a non-Node program (redis-server) as a child of the local stack with the same guarantee as
// exit-with-parent.mjs: it is stopped when the supervisor goes away. Signals are passed on.
import { spawn } from 'node:child_process';
import './exit-with-parent.mjs';

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stderr.write('usage: run-supervised <command> [args...]\n');
  process.exit(64);
}
const child = spawn(command, args, { stdio: 'inherit' });
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
child.once('error', (err) => {
  process.stderr.write(`run-supervised: ${command}: ${err.message}\n`);
  process.exit(69);
});
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
