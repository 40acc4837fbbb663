// `npm run bench:cli`: how long the `baton` command takes to answer, from spawn to exit — what a user
// waits for — for `--help` (target: < 0.5 s) and `--version`, beside a bare `node -e 0` on the same
// machine (the floor no command can go under). Median and p90 of 15 runs each, after one warm-up.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BATON = fileURLToPath(new URL('../bin/baton.js', import.meta.url));
const RUNS = 15;

function measure(args: string[]): { median: number; p90: number } {
  spawnSync(process.execPath, args);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const run = spawnSync(process.execPath, args);
    times.push(performance.now() - start);
    if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(RUNS / 2)], p90: times[Math.floor(RUNS * 0.9)] };
}

const rows: [string, string[]][] = [
  ['node -e 0 (the floor)', ['-e', '0']],
  ['baton --help', [BATON, '--help']],
  ['baton --version', [BATON, '--version']],
];
console.log(`${'command'.padEnd(24)}  median    p90`);
for (const [name, args] of rows) {
  const { median, p90 } = measure(args);
  console.log(`${name.padEnd(24)}  ${`${median.toFixed(0)} ms`.padStart(6)}  ${`${p90.toFixed(0)} ms`.padStart(6)}`);
}
