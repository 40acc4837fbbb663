// `npm run bench:compile`: compile time of the fixture workflows and of a generated 1,000-step
// document (target: < 100 ms). Prints a table of median and p95 over repeated runs after warm-up.
import { readdirSync, readFileSync } from 'node:fs';
import { compile } from '../src/compiler/compile.ts';

/** A realistic big document: inputs, agents, and 1,000 steps that use inputs, earlier outputs and options. */
export function generatedWorkflow(steps: number): string {
  const parts = ['# Generated workflow', `A chain of ${steps} steps for benchmarking the compiler.`, '', '## Inputs'];
  parts.push('- topic: The subject (string, required)', '- depth: How deep — "shallow" or "deep" (string, default: "shallow")', '- items: Things to cover (string[], default: ["a", "b"])', '');
  parts.push('## Agents');
  for (const name of ['Researcher', 'Analyst', 'Writer']) parts.push(`### ${name}`, `${name} of the benchmark. Works carefully and cites sources.`, 'Model: Haiku', '');
  parts.push('## Steps');
  for (let i = 0; i < steps; i++) {
    const agent = ['Researcher', 'Analyst', 'Writer'][i % 3];
    parts.push(`### Step ${i}`, `Agent: ${agent}`);
    if (i % 10 === 5) parts.push(`Condition: inputs.depth == "deep" and not (steps.step_${i - 1}.output contains "skip")`);
    if (i % 50 === 7) parts.push('For each: inputs.items', 'Concurrency: 2');
    if (i % 20 === 3) parts.push('Retries: 2', 'Retry delay: 2s', 'Timeout: 90s');
    parts.push(`Work on **{{inputs.topic}}** at {{inputs.depth}} depth${i % 50 === 7 ? ' for {{item}}' : ''}.`);
    if (i > 0) parts.push(`Build on the previous result:`, '', `{{steps.step_${i - 1}.output}}`);
    if (i > 10) parts.push('', `Also consider {{steps.step_${i - 10}.output}}.`);
    parts.push('');
  }
  parts.push('## Output', `steps.step_${steps - 1}.output`);
  return parts.join('\n');
}

function measure(markdown: string, runs: number): { median: number; p95: number } {
  for (let i = 0; i < 5; i++) compile(markdown);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    compile(markdown);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)], p95: times[Math.floor(runs * 0.95)] };
}

if (process.argv[1]?.endsWith("compile.ts")) main();
function main() {
const dir = new URL('../docs/examples/workflows/', import.meta.url);
const rows: [string, string][] = readdirSync(dir)
  .filter((name) => name.endsWith('.md'))
  .map((name) => [name, readFileSync(new URL(name, dir), 'utf8')]);
rows.push(['generated, 1,000 steps', generatedWorkflow(1000)]);

console.log('| document | size | median | p95 |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, markdown] of rows) {
  const result = compile(markdown);
  if (!result.valid) throw new Error(`${name} does not compile: ${JSON.stringify(result.notes.filter((n) => n.severity === 'error').slice(0, 3))}`);
  const { median, p95 } = measure(markdown, name.startsWith('generated') ? 30 : 200);
  console.log(`| ${name} | ${(markdown.length / 1024).toFixed(1)} KB | ${median.toFixed(2)} ms | ${p95.toFixed(2)} ms |`);
}
}
