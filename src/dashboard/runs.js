import { $, el } from './elements.js';
import { request } from './graphql.js';
import { state } from './page-state.js';
import { refreshSummary, select } from './executions.js';

// What can run: workflows and recipes, with a form of their inputs; the chosen one's schedules and
// recent webhook deliveries.

const Q = {
  // Both lists stay within the default query cost limit (test/server/graphql-limits.test.ts): the
  // recipes' agents are left out, and a run of a recipe whose agent is inactive names it.
  workflows: 'query DashboardWorkflows { workflows(first: 100) { edges { node { id name description plan { inputs { name type required description default enum } } } } } }',
  recipes: 'query DashboardRecipes { recipes(first: 100, isPublic: null, sortBy: NAME) { totalCount edges { node { id templateId name description tags plan { inputs { name type required description default enum } steps { id } } } } } }',
  runWorkflow: 'mutation DashboardRunWorkflow($id: ID!, $inputs: JSON) { runWorkflow(workflowId: $id, inputs: $inputs) { __typename ... on Execution { id } ... on Error { message detail } } }',
  runRecipe: 'mutation DashboardRunRecipe($id: ID!, $inputs: JSON) { runRecipe(id: $id, inputs: $inputs) { __typename ... on Execution { id } ... on Error { message detail } } }',
  // A workflow's (or recipe's) schedules, and the latest webhook notifications about its runs.
  triggers: `query DashboardTriggers($workflowId: ID, $recipeId: ID) {
    schedules(workflowId: $workflowId, recipeId: $recipeId) { id cron timezone enabled pausedReason nextFireTimes }
    webhookDeliveries(workflowId: $workflowId, recipeId: $recipeId, first: 5) { totalCount edges { node { id event status attempts: attemptCount lastStatusCode lastError createdAt } } }
  }`,
};

export async function loadTargets() {
  $('refresh').disabled = true;
  try {
    const [workflows, recipes] = await Promise.all([request(Q.workflows), request(Q.recipes)]);
    state.recipes = recipes.recipes.edges.map((edge) => edge.node);
    const targetsOf = (kind, nodes) => nodes.map((node) => [`${kind}:${node.id}`, { kind, id: node.id, name: node.name, description: node.description, inputs: node.plan.inputs }]);
    state.targets = new Map([...targetsOf('workflow', workflows.workflows.edges.map((edge) => edge.node)), ...targetsOf('recipe', state.recipes)]);
    const select = $('target');
    const chosen = select.value;
    const group = (label, kind) => {
      const options = [...state.targets].filter(([, target]) => target.kind === kind).map(([key, target]) => el('option', { value: key, textContent: target.name }));
      return options.length ? el('optgroup', { label }, ...options) : null;
    };
    select.replaceChildren(...[group('Workflows', 'workflow'), group('Recipes', 'recipe')].filter(Boolean));
    if (state.targets.size === 0) select.append(el('option', { value: '', textContent: 'No workflows or recipes yet' }));
    if (state.targets.has(chosen)) select.value = chosen;
    renderRecipes(recipes.recipes.totalCount);
    // Values being typed stay unless what they are for changed.
    if (formKey() !== state.form.key) showForm();
    else void loadTriggers();
  } finally {
    $('refresh').disabled = false;
  }
}

function renderRecipes(total) {
  const items = state.recipes.map((recipe) => {
    const steps = recipe.plan.steps.length;
    return el('li', { className: 'recipe', dataset: { id: recipe.id, templateId: recipe.templateId } },
      el('div', { className: 'recipe-head' },
        el('strong', { textContent: recipe.name }),
        el('button', { type: 'button', className: 'secondary run-recipe', textContent: 'Run…', onclick: () => choose(`recipe:${recipe.id}`) }),
      ),
      recipe.description ? el('div', { className: 'hint', textContent: recipe.description }) : null,
      el('div', { className: 'meta' },
        el('span', { className: 'steps', textContent: `${steps} step${steps === 1 ? '' : 's'}` }),
        recipe.tags.length ? ' · ' : null,
        ...recipe.tags.map((tag) => el('span', { className: 'tag', textContent: tag })),
      ),
    );
  });
  if (items.length === 0) items.push(el('li', { className: 'hint', textContent: 'No recipes yet: create them with createRecipe or POST /api/workflow-recipes.' }));
  if (total > state.recipes.length) items.push(el('li', { className: 'hint', textContent: `The first ${state.recipes.length} of ${total}, by name.` }));
  $('recipes').replaceChildren(...items);
}

/** Makes a workflow or recipe the run form's, and puts the cursor in its first field. */
export function choose(key) {
  $('target').value = key;
  showForm();
  (state.form.fields[0]?.control ?? $('run')).focus();
}

const formKey = () => {
  const target = state.targets.get($('target').value);
  return target ? `${$('target').value} ${JSON.stringify(target.inputs)}` : '';
};

/** The run form of the chosen workflow or recipe: a field per declared input. */
export function showForm() {
  const target = state.targets.get($('target').value);
  const inputs = target?.inputs ?? [];
  state.form = { key: formKey(), fields: inputs.map(inputField) };
  $('target-about').textContent = [target?.kind === 'recipe' ? 'Recipe.' : '', target?.description ?? '', target && inputs.length === 0 ? 'No inputs.' : ''].filter(Boolean).join(' ');
  $('run-inputs').replaceChildren(...state.form.fields.map((field) => field.root));
  $('run-message').textContent = '';
  $('run').disabled = !target;
  void loadTriggers();
}

const when = (iso) => new Date(iso).toLocaleString();

/** The chosen target's schedules and recent deliveries; an answer for a target no longer chosen is dropped. */
async function loadTriggers() {
  const key = $('target').value;
  const target = state.targets.get(key);
  $('triggers').hidden = !target;
  if (!target) return;
  let data;
  try {
    data = await request(Q.triggers, target.kind === 'recipe' ? { recipeId: target.id } : { workflowId: target.id });
  } catch (error) {
    if ($('target').value === key) $('schedules').replaceChildren(el('li', { className: 'error', textContent: error.message }));
    return;
  }
  if ($('target').value !== key) return;
  const schedules = data.schedules.map((schedule) => {
    const [kind, label, note] = schedule.pausedReason
      ? ['PAUSED', 'paused', schedule.pausedReason]
      : !schedule.enabled ? ['STOPPED', 'disabled', ''] : ['RUNNING', 'active', schedule.nextFireTimes[0] ? `next ${when(schedule.nextFireTimes[0])}` : ''];
    return el('li', { className: 'schedule' },
      el('span', { className: 'cron', textContent: schedule.cron }),
      el('span', { className: 'meta', textContent: schedule.timezone }),
      el('span', { className: `status ${kind}`, textContent: label }),
      el('span', { className: 'meta', textContent: note }),
    );
  });
  $('schedules').replaceChildren(...(schedules.length ? schedules : [el('li', { className: 'hint', textContent: target.kind === 'recipe' ? 'None: a recipe gets one from schedule_config (type cron).' : 'None: add one with createSchedule.' })]));
  const deliveries = data.webhookDeliveries.edges.map(({ node }) =>
    el('li', { className: 'delivery' },
      el('span', { className: 'event', textContent: node.event.toLowerCase().replace('_', '.') }),
      el('span', { className: `status ${node.status}`, textContent: node.status.toLowerCase() }),
      el('span', { className: 'meta', textContent: `${node.attempts} attempt${node.attempts === 1 ? '' : 's'}${node.lastStatusCode ? ` · HTTP ${node.lastStatusCode}` : ''}${node.lastError ? ` · ${node.lastError}` : ''} · ${when(node.createdAt)}` }),
    ));
  $('deliveries').replaceChildren(...(deliveries.length ? deliveries : [el('li', { className: 'hint', textContent: 'None yet: register endpoints with createWebhookEndpoint or POST /api/webhook-endpoints.' })]));
}

const TYPE_NAMES = { STRING: 'text', NUMBER: 'number', BOOLEAN: 'true or false', STRING_LIST: 'list, one item a line', NUMBER_LIST: 'list of numbers, one a line', OBJECT: 'JSON object' };

/**
 * One field for a declared input, pre-filled with its default: a choice for enums and booleans
 * (several for a list), a number box, one item a line for lists, JSON for objects. `value()` is what
 * to send: undefined when left empty, so the server applies the default or names a missing required
 * input; it throws naming what is wrong when the field cannot say what it means.
 */
function inputField(input, index) {
  const list = input.type.endsWith('_LIST');
  const given = input.default ?? null;
  let control;
  let value;
  if (input.enum || input.type === 'BOOLEAN') {
    const choices = input.enum ?? [true, false];
    const chosen = list ? (Array.isArray(given) ? given : []) : [given];
    control = el('select', list ? { multiple: true, size: Math.min(choices.length, 5) } : {},
      list || given !== null ? null : el('option', { value: '', textContent: '—' }),
      ...choices.map((choice, at) => el('option', { value: String(at), textContent: String(choice), selected: chosen.includes(choice) })),
    );
    value = () => {
      const picked = [...control.selectedOptions].filter((option) => option.value !== '').map((option) => choices[Number(option.value)]);
      return list ? (picked.length ? picked : undefined) : picked[0];
    };
  } else if (input.type === 'NUMBER') {
    control = el('input', { type: 'number', step: 'any', value: given ?? '' });
    value = () => {
      if (control.validity.badInput) throw new Error('must be a number');
      return control.value === '' ? undefined : Number(control.value);
    };
  } else if (list) {
    control = el('textarea', { rows: 3, spellcheck: false, value: Array.isArray(given) ? given.join('\n') : '' });
    value = () => {
      const items = control.value.split('\n').map((line) => line.trim()).filter(Boolean);
      if (input.type === 'NUMBER_LIST') {
        const wrong = items.find((item) => !Number.isFinite(Number(item)));
        if (wrong !== undefined) throw new Error(`has "${wrong}", which is not a number`);
      }
      return items.length ? items.map((item) => (input.type === 'NUMBER_LIST' ? Number(item) : item)) : undefined;
    };
  } else if (input.type === 'OBJECT') {
    control = el('textarea', { rows: 4, spellcheck: false, value: given === null ? '' : JSON.stringify(given, null, 2) });
    value = () => {
      if (control.value.trim() === '') return undefined;
      try {
        return JSON.parse(control.value);
      } catch (error) {
        throw new Error(`is not valid JSON: ${error.message}`);
      }
    };
  } else {
    // A text area that grows, so that pasted text keeps its line breaks.
    control = el('textarea', { className: 'text', rows: 1, value: given ?? '' });
    value = () => (control.value === '' ? undefined : control.value);
  }
  Object.assign(control, { id: `run-input-${index}`, name: input.name });
  const kind = list && input.enum ? 'list, pick any (Ctrl- or ⌘-click)' : TYPE_NAMES[input.type] ?? input.type.toLowerCase();
  const error = el('div', { className: 'error' });
  return {
    input,
    control,
    value,
    root: el('div', { className: 'field', dataset: { input: input.name } },
      el('label', { htmlFor: control.id }, input.name, ' ', el('span', { className: 'meta', textContent: `${kind}${input.required ? ', required' : ''}` })),
      control,
      input.description ? el('div', { className: 'hint', textContent: input.description }) : null,
      error,
    ),
    /** Shows what is wrong with this input (or clears it). */
    mark(problem) {
      error.textContent = problem;
      if (problem) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}

/** The form's values, or what is wrong with them before anything is sent (each also at its field). */
function readForm() {
  const inputs = {};
  const problems = [];
  for (const field of state.form.fields) {
    field.mark('');
    try {
      const value = field.value();
      if (value !== undefined) inputs[field.input.name] = value;
    } catch (error) {
      field.mark(error.message);
      problems.push(`input "${field.input.name}" ${error.message}`);
    }
  }
  return { inputs, problems };
}

/** A refused run: every problem on a line of its own, and under the field it names. */
function showRefusal(heading, problems) {
  for (const field of state.form.fields) field.mark(problems.filter((problem) => problem.includes(`input "${field.input.name}"`)).join('\n'));
  $('run-message').className = 'message';
  $('run-message').textContent = [heading, ...problems.map((problem) => `• ${problem}`)].join('\n');
}

export async function run(event) {
  event.preventDefault();
  const target = state.targets.get($('target').value);
  if (!target) return;
  const message = $('run-message');
  message.textContent = '';
  const { inputs, problems } = readForm();
  if (problems.length) return showRefusal('Check the inputs:', problems);
  $('run').disabled = true;
  try {
    const result = target.kind === 'recipe'
      ? (await request(Q.runRecipe, { id: target.id, inputs })).runRecipe
      : (await request(Q.runWorkflow, { id: target.id, inputs })).runWorkflow;
    if (result.__typename !== 'Execution') return showRefusal(`${result.message}:`, result.detail.split('; '));
    message.className = 'message ok';
    message.textContent = `Started ${result.id}`;
    await refreshSummary(result.id);
    await select(result.id);
  } catch (error) {
    message.className = 'message';
    message.textContent = error.message;
  } finally {
    $('run').disabled = false;
  }
}
