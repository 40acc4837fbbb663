// `npm run bench:peers` (issue #20): the per-step overhead of Baton, LangGraph.js and DBOS Transact
// on one chain. Every engine runs the same 20-step chain, each step a streamed call through the
// Anthropic SDK to the same fake model (bench/fake-model.ts, its own process, 50 ms latency), each
// engine on its own database of the same PostgreSQL over TCP. Baton runs as a server (a child
// process) and is driven over REST and graphql-ws; the peers run in this process, as their users
// embed them. Overhead per step = (engine wall − bare SDK loop wall) ÷ 20, the bare loop measured
// in the same round. Rounds interleave the engines (each round: every engine 5 runs in turn, the
// order rotating), after one warm-up run each; the table gives the median of 3 rounds and the
// rounds' spread, and the fake model's own view: the handoff from one answer sent to the next request.
import { startFakeModel, type ModelCall } from '../fake-model.ts';
import { handoffsOf } from '../chain.ts';
import { bareLoop } from './bare.ts';
import { baton } from './baton.ts';
import { createDatabase, dropDatabase } from './databases.ts';
import { dbosTransact } from './dbos.ts';
import { STEPS, type Engine } from './engine.ts';
import { langGraph } from './langgraph.ts';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 5);
const ONLY = process.env.BENCH_ENGINES?.split(',');

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** When each run was started and when its engine said it had completed, on the machine's clock (as the fake's log). */
type Spans = Map<string, { started: number; ended: number }>;
const clock = () => performance.timeOrigin + performance.now();

/** From the fake's log: the run's start → its first request, and its last answer → the engine saying it completed. */
function endsOf(calls: ModelCall[], spans: Spans): { start: number[]; finish: number[] } {
  const start: number[] = [];
  const finish: number[] = [];
  for (const [n, { started, ended }] of spans) {
    const mine = calls.filter((call) => call.prompt.endsWith(` of run ${n}.`));
    if (mine.length === 0) continue;
    start.push(Math.min(...mine.map((call) => call.receivedAt)) - started);
    finish.push(ended - Math.max(...mine.map((call) => call.answeredAt)));
  }
  return { start, finish };
}


async function main() {
  const fake = await startFakeModel();
  await fake.answer('ok', LATENCY_MS);
  const suffix = `${process.pid}`;
  const names = { baton: `peers_baton_${suffix}`, before: `peers_before_${suffix}`, langgraph: `peers_langgraph_${suffix}`, dbos: `peers_dbos_${suffix}` };
  const wanted = (key: string) => !ONLY || ONLY.includes(key);
  const engines: Engine[] = [bareLoop(fake.url)];
  try {
    if (wanted('baton')) engines.push(await baton(fake.url, await createDatabase(names.baton)));
    // BENCH_BATON_BEFORE=<checkout>: also that checkout's Baton (another commit, with its node_modules), in the same rounds.
    const before = process.env.BENCH_BATON_BEFORE;
    if (before) engines.push(await baton(fake.url, await createDatabase(names.before), before, `Baton at ${before}`));
    if (wanted('langgraph')) engines.push(await langGraph(fake.url, await createDatabase(names.langgraph)));
    if (wanted('dbos')) engines.push(await dbosTransact(fake.url, await createDatabase(names.dbos)));
    let n = 0;
    for (const engine of engines) await engine.run(++n);
    const walls = new Map<Engine, number[][]>(engines.map((engine) => [engine, []]));
    const handoffs = new Map<Engine, number[]>(engines.map((engine) => [engine, []]));
    const ends = new Map<Engine, { start: number[]; finish: number[] }>(engines.map((engine) => [engine, { start: [], finish: [] }]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = engines.map((_, i) => engines[(i + round) % engines.length]);
      for (const engine of order) {
        await fake.clear();
        const times: number[] = [];
        const spans: Spans = new Map();
        for (let r = 0; r < REPETITIONS; r++) {
          const started = clock();
          await engine.run(++n);
          const ended = clock();
          times.push(ended - started);
          spans.set(String(n), { started, ended });
        }
        walls.get(engine)!.push(times);
        const calls = await fake.calls();
        handoffs.get(engine)!.push(...handoffsOf(calls));
        const { start, finish } = endsOf(calls, spans);
        ends.get(engine)!.start.push(...start);
        ends.get(engine)!.finish.push(...finish);
      }
      process.stderr.write(`round ${round + 1} of ${ROUNDS} done\n`);
    }
    const bare = walls.get(engines[0])!.map(median);
    const rows = engines.map((engine) => {
      const perRound = walls.get(engine)!.map((times, round) => (median(times) - bare[round]) / STEPS);
      const hand = handoffs.get(engine)!;
      return { engine, overhead: median(perRound), perRound, wall: median(walls.get(engine)!.map(median)), handoff: median(hand), handoff90: [...hand].sort((a, b) => a - b)[Math.floor(hand.length * 0.9)], start: median(ends.get(engine)!.start), finish: median(ends.get(engine)!.finish) };
    });
    const [baseline, ...measured] = rows;
    measured.sort((a, b) => a.overhead - b.overhead);
    console.log(`\n20-step chain, model latency ${LATENCY_MS} ms, ${ROUNDS} interleaved rounds of ${REPETITIONS} runs; overhead per step = (engine wall − bare SDK loop wall) ÷ ${STEPS}, median of the rounds`);
    console.log("| engine | overhead per step | rounds | chain wall (median) | handoff p50 / p90 | start → 1st request | last answer → done |");
    console.log('| --- | ---: | --- | ---: | --- | ---: | ---: |');
    const endCells = (row: (typeof rows)[number]) => `${row.start.toFixed(1)} ms | ${row.finish.toFixed(1)} ms`;
    for (const row of measured) {
      console.log(`| ${row.engine.name} | ${row.overhead.toFixed(1)} ms | ${row.perRound.map((v) => v.toFixed(1)).join(', ')} | ${row.wall.toFixed(0)} ms | ${row.handoff.toFixed(1)} / ${row.handoff90.toFixed(1)} ms | ${endCells(row)} |`);
    }
    console.log(`| ${baseline.engine.name} (the baseline) | — | — | ${baseline.wall.toFixed(0)} ms | ${baseline.handoff.toFixed(1)} / ${baseline.handoff90.toFixed(1)} ms | ${endCells(baseline)} |`);
    console.log('Handoff: one answer sent → the next request received; start and done as the benchmark sees them, the requests as the fake model does (one clock).');
  } finally {
    for (const engine of engines) await engine.stop().catch((error: Error) => console.error(`stopping ${engine.name}: ${error.message}`));
    fake.stop();
    for (const name of Object.values(names)) await dropDatabase(name);
  }
}

await main();
// DBOS keeps timers of its own after shutdown; the benchmark is over.
process.exit(0);
