import { $, dollars, el, svg } from './elements.js';
import { request } from './graphql.js';

// Costs at a glance: an execution's tokens and cost by step, and the workspace's last 30 days
// (dailyCosts, summed by the server).

/** Horizontal bars, one per step (its For each items summed): cost, or tokens when nothing cost anything. */
export function stepCostChart(plan, runs) {
  const rows = plan.steps.map((step) => {
    const own = runs.filter((run) => run.stepId === step.id);
    return {
      id: step.id,
      label: step.title ?? step.id,
      tokens: own.reduce((sum, run) => sum + run.tokens.input + run.tokens.output, 0),
      cost: own.reduce((sum, run) => sum + run.costUsd, 0),
    };
  });
  const byCost = rows.some((row) => row.cost > 0);
  const value = (row) => (byCost ? row.cost : row.tokens);
  const max = Math.max(...rows.map(value), 0);
  if (max === 0) return el('p', { className: 'hint', textContent: 'No tokens used yet.' });
  const LABEL = 120;
  const BAR = 200;
  const HEIGHT = 22;
  const width = LABEL + BAR + 150;
  const cut = (text) => (text.length > 18 ? `${text.slice(0, 17)}…` : text);
  return svg('svg', { class: 'bars', viewBox: `0 0 ${width} ${rows.length * HEIGHT}`, width, height: rows.length * HEIGHT, role: 'img', 'aria-label': `${byCost ? 'Cost' : 'Tokens'} by step` },
    ...rows.map((row, index) => {
      const y = index * HEIGHT;
      const text = `${dollars(row.cost)} · ${row.tokens.toLocaleString('en')} tokens`;
      return svg('g', { 'data-step': row.id },
        svg('title', {}, `${row.label}: ${text}`),
        svg('text', { x: 0, y: y + 15, class: 'bar-label' }, cut(row.label)),
        svg('rect', { x: LABEL, y: y + 4, height: HEIGHT - 8, width: Math.max(1, (BAR * value(row)) / max), class: 'bar' }),
        svg('text', { x: LABEL + BAR + 6, y: y + 15, class: 'bar-value' }, text),
      );
    }),
  );
}

const DAYS = 'query DashboardCosts { dailyCosts(days: 30) { date runs costUsd tokens } }';

/** The workspace's last 30 days: cost as bars, runs as a line, with the totals in words and a table for screen readers. */
export async function loadTenantCosts() {
  const box = $('tenant-costs');
  let days;
  try {
    days = (await request(DAYS)).dailyCosts;
  } catch (error) {
    box.replaceChildren(el('p', { className: 'message', textContent: error.message }));
    return;
  }
  const cost = days.reduce((sum, day) => sum + day.costUsd, 0);
  const runs = days.reduce((sum, day) => sum + day.runs, 0);
  const W = 24;
  const H = 160;
  const maxCost = Math.max(...days.map((day) => day.costUsd), 0);
  const costHeight = (usd) => (maxCost ? (H - 20) * (usd / maxCost) : 0);
  const maxRuns = Math.max(...days.map((day) => day.runs), 1);
  const points = days.map((day, index) => `${index * W + W / 2},${H - ((H - 20) * day.runs) / maxRuns}`).join(' ');
  const chart = svg('svg', { class: 'days', viewBox: `0 0 ${days.length * W} ${H + 16}`, width: days.length * W, height: H + 16, role: 'img', 'aria-label': `Cost and runs per day, last ${days.length} days` },
    ...days.map((day, index) =>
      svg('g', { 'data-date': day.date },
        svg('title', {}, `${day.date}: ${day.runs} run${day.runs === 1 ? '' : 's'}, ${dollars(day.costUsd)}`),
        svg('rect', { class: 'bar', x: index * W + 2, width: W - 4, y: H - costHeight(day.costUsd), height: costHeight(day.costUsd) }),
      ),
    ),
    svg('polyline', { class: 'runs-line', points }),
    svg('text', { class: 'axis', x: 2, y: 12 }, `top: ${dollars(maxCost)} a day, ${maxRuns} run${maxRuns === 1 ? '' : 's'} a day`),
    svg('text', { class: 'axis', x: 0, y: H + 13 }, days[0].date),
    svg('text', { class: 'axis', x: days.length * W, y: H + 13, 'text-anchor': 'end' }, days.at(-1).date),
  );
  const table = el('details', {},
    el('summary', { textContent: 'As a table' }),
    el('table', {},
      el('thead', {}, el('tr', {}, ...['Day', 'Runs', 'Cost', 'Tokens'].map((name) => el('th', { textContent: name })))),
      el('tbody', {}, ...days.filter((day) => day.runs || day.costUsd).map((day) => el('tr', {}, ...[day.date, day.runs, dollars(day.costUsd), day.tokens].map((value) => el('td', { textContent: String(value) }))))),
    ),
  );
  box.replaceChildren(
    el('p', { id: 'cost-totals', textContent: `Last ${days.length} days: ${runs} run${runs === 1 ? '' : 's'}, ${dollars(cost)}.` }),
    el('p', { className: 'hint' }, el('span', { className: 'legend-bar' }), ' cost per day  ', el('span', { className: 'legend-line' }), ' runs per day'),
    el('div', { className: 'chart-box' }, chart),
    table,
  );
}
