import { Graph, layout } from './dagre.js';
import { svg } from './elements.js';

// A plan as a directed graph: its steps as nodes, their dependencies as edges, laid out by dagre and
// drawn as SVG. The same drawing serves the editor (static, from the compiled plan) and an execution
// (live: each node takes its status from the step's runs).

const WIDTH = 190;
const HEIGHT = 62;

/** What marks a step: approval gate, condition, fan-out. */
function badges(step) {
  return [step.approval ? 'approval' : null, step.condition ? 'if' : null, step.forEach ? 'for each' : null].filter(Boolean);
}

let graphs = 0;

const cut = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Draws `plan` ({ steps, agents }) into a new element. `onSelect(stepId)` runs when a node is clicked
 * or chosen with Enter or Space. `update(runs)` colours the nodes from an execution's step runs.
 */
export function planGraph(plan, { onSelect = () => {}, label = 'Workflow graph' } = {}) {
  const graph = new Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(plan.steps.map((step) => step.id));
  for (const step of plan.steps) graph.setNode(step.id, { width: WIDTH, height: HEIGHT });
  for (const step of plan.steps) for (const from of step.dependsOn) if (ids.has(from)) graph.setEdge(from, step.id);
  layout(graph);
  const { width = WIDTH, height = HEIGHT } = graph.graph();

  const arrow = `arrow-${++graphs}`;
  const agents = new Map(plan.agents.map((agent) => [agent.id, agent]));
  const edges = graph.edges().map((edge) => {
    const points = graph.edge(edge).points;
    return svg('path', { class: 'edge', 'marker-end': `url(#${arrow})`, d: `M${points.map((p) => `${p.x},${p.y}`).join(' L')}` });
  });
  const nodes = new Map();
  for (const step of plan.steps) {
    const { x, y } = graph.node(step.id);
    const agent = agents.get(step.agent);
    const who = agent ? `${agent.name} · ${step.model ?? agent.model}` : 'no agent';
    const marks = badges(step);
    const status = svg('text', { class: 'node-status', x: WIDTH - 8, y: 16, 'text-anchor': 'end' });
    const progress = svg('rect', { class: 'progress', x: 0, y: HEIGHT - 4, width: 0, height: 4 });
    const title = svg('title', {}, step.title ?? step.id);
    const node = svg('g', {
      class: 'node',
      transform: `translate(${x - WIDTH / 2},${y - HEIGHT / 2})`,
      tabindex: 0,
      role: 'button',
      'data-node': step.id,
      'aria-label': `${step.title ?? step.id}, ${who}${marks.length ? `, ${marks.join(', ')}` : ''}`,
      onclick: () => onSelect(step.id),
      onkeydown: (event) => {
        if (event.key !== 'Enter' && event.key !== ' ') return;
        event.preventDefault();
        onSelect(step.id);
      },
    },
      title,
      svg('rect', { class: 'box', width: WIDTH, height: HEIGHT, rx: 6 }),
      svg('text', { class: 'node-title', x: 8, y: 18 }, cut(step.title ?? step.id, 20)),
      svg('text', { class: 'node-agent', x: 8, y: 35 }, cut(who, 30)),
      svg('text', { class: 'node-marks', x: 8, y: 51 }, marks.map((mark) => `◆ ${mark}`).join('  ')),
      status,
      progress,
    );
    nodes.set(step.id, { node, status, progress, step });
  }
  const root = svg('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'group', 'aria-label': label },
    svg('defs', {}, svg('marker', { id: arrow, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }))),
    ...edges,
    ...[...nodes.values()].map((each) => each.node),
  );

  return {
    root,
    /** Colours each node from its step's runs; a For each step shows its items done out of all. */
    update(runs) {
      for (const [id, each] of nodes) {
        const own = runs.filter((run) => run.stepId === id);
        const step = own.find((run) => run.itemIndex === null);
        const items = own.filter((run) => run.itemIndex !== null);
        const status = step?.status ?? 'PENDING';
        each.node.dataset.status = status;
        const done = items.filter((run) => run.status === 'COMPLETED' || run.status === 'SKIPPED').length;
        const word = status.toLowerCase().replace('_', ' ');
        each.status.textContent = items.length ? `${done}/${items.length} · ${word}` : word;
        each.progress.setAttribute('width', items.length ? String((WIDTH * done) / items.length) : '0');
        each.node.setAttribute('aria-label', `${each.node.getAttribute('aria-label').split(' — ')[0]} — ${each.status.textContent}`);
      }
    },
    /** Marks the node whose detail is shown. */
    select(id) {
      for (const [each, { node }] of nodes) node.classList.toggle('selected', each === id);
    },
  };
}
