// `tsx bench/profile-summary.ts file.cpuprofile [top] [from-s] [to-s]`: a V8 CPU profile (node
// --cpu-prof) summed by function (self time) and by package or source folder, so a benchmark's
// profile can be read without a browser; `from-s`/`to-s` keep only the samples in that window of
// seconds since the profile started (leave out start-up). Idle, program and garbage collector time
// are shown as themselves.
import { readFile } from 'node:fs/promises';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg, fromArg, toArg] = process.argv.slice(2);
const top = Number(topArg ?? 30);
const [from, to] = [Number(fromArg ?? 0) * 1e6, Number(toArg ?? Infinity) * 1e6];
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
let at = 0;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i] ?? 0;
  if (at >= from && at < to) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

/** Where a function lives: its npm package, Baton's source folder, or node's internals. */
function areaOf(url: string): string {
  if (!url) return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url.split('/')[0];
  const src = /\/(src|bench|rest-compat)\/(.*)\//.exec(url);
  return src ? `baton ${src[1]}/${src[2]}` : url;
}

const functions = new Map<string, number>();
const areas = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const area = areaOf(url);
  const name = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench|rest-compat)\//, '$1/')}:${lineNumber + 1}` : ''}`;
  functions.set(name, (functions.get(name) ?? 0) + us);
  areas.set(area, (areas.get(area) ?? 0) + us);
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;
console.log(`profile ${ms(total)}, busy ${ms(total - idle)} (${(((total - idle) / total) * 100).toFixed(1)} %)`);
const print = (title: string, table: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    if (name.startsWith('(idle)')) continue;
    console.log(`${ms(us).padStart(10)}  ${((us / (total - idle)) * 100).toFixed(1).padStart(5)} %  ${name}`);
  }
};
print('self time by package / folder (share of busy time)', areas);
print('self time by function', functions);
