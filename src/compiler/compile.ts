import { readAgents } from './agents.ts';
import { parseStructure, type Section, type Structure } from './document.ts';
import { Ancestry, reportCycles, resolveDependencies } from './graph.ts';
import { readInputs } from './inputs.ts';
import { DEFAULT_MODELS, type ModelRegistry } from './models.ts';
import { didYouMean, Notes } from './notes.ts';
import { readOutput } from './output.ts';
import type { CompileResult, Plan, PlanStep } from './plan.ts';
import { checkRevise, checkStepReferences, type Scope } from './references.ts';
import { readSteps, type StepDraft } from './steps.ts';
import { systemPrompt } from './system-prompt.ts';

export interface CompileOptions {
  /** Model aliases → ids; defaults to DEFAULT_MODELS. */
  models?: ModelRegistry;
  /** The tool server aliases the tenant has, when the caller knows them: any other in `Tools:` is a warning. */
  toolServers?: string[];
}

/** Far beyond any real workflow (the API accepts 256 KB); keeps the compiler's time bounded. */
export const MAX_DOCUMENT_CHARS = 4 * 1024 * 1024;

const SECTIONS = ['Inputs', 'Agents', 'Steps', 'Output'];
const START = { line: 1, column: 1 };

function sectionsByName(structure: Structure, notes: Notes): Map<string, Section> {
  const found = new Map<string, Section>();
  for (const section of structure.sections) {
    const name = SECTIONS.find((known) => known.toLowerCase() === section.name.trim().toLowerCase());
    if (!name) {
      notes.warning('UNKNOWN_SECTION', `\`## ${section.name}\` is not a section Baton knows, so it is ignored.${didYouMean(section.name, SECTIONS)} Sections: ${SECTIONS.join(', ')}.`, section.heading);
    } else if (found.has(name)) {
      notes.error('DUPLICATE_SECTION', `\`## ${name}\` appears twice (first on line ${found.get(name)!.heading.line}); merge them.`, section.heading);
    } else found.set(name, section);
  }
  return found;
}

function planStep({ at: _at, properties: _p, promptLines: _l, dependencyRefs: _d, reviseRef: _r, ...step }: StepDraft): PlanStep {
  return step;
}

const emptyPlan = (): Plan => ({ name: '', description: '', inputs: [], agents: [], steps: [], output: '', outputMode: 'path', outputType: 'markdown', compilerNotes: [] });

function build(markdown: string, options: CompileOptions, notes: Notes): Plan {
  const models = options.models ?? DEFAULT_MODELS;
  if (markdown.length > MAX_DOCUMENT_CHARS) {
    notes.error('DOCUMENT_TOO_LARGE', `The document has ${markdown.length} characters; the limit is ${MAX_DOCUMENT_CHARS}.`, START);
    return emptyPlan();
  }
  // One line-ending convention, and no NUL (as CommonMark replaces it), so positions agree everywhere.
  const source = markdown.replace(/\r\n?/g, '\n').replace(/\0/g, '\uFFFD');
  const structure = parseStructure(source);
  const { lines } = structure;
  if (!structure.title) notes.error('MISSING_TITLE', 'Start the document with a `# Title`: it is the workflow\'s name.', START);
  const sections = sectionsByName(structure, notes);
  const inputs = readInputs(lines, sections.get('Inputs'), notes);
  const agents = readAgents(lines, sections.get('Agents'), models, notes, options.toolServers);
  const stepsSection = sections.get('Steps');
  if (!stepsSection) notes.error('MISSING_STEPS', 'Add a `## Steps` section with at least one `### Step`.', structure.title ?? START);
  else if (stepsSection.items.length === 0) notes.error('NO_STEPS', 'The `## Steps` section has no steps: add a `### Step` heading for each.', stepsSection.heading);
  const steps = stepsSection ? readSteps(lines, stepsSection, agents, models, notes) : [];

  resolveDependencies(steps, notes);
  const ancestry = reportCycles(steps, notes) ? undefined : new Ancestry(steps);
  const scope: Scope = { inputs, steps, byId: new Map(steps.map((s) => [s.id, s])), ancestry, notes };
  for (const step of steps) checkStepReferences(scope, step);
  for (const step of steps) checkRevise(scope, step);
  const output = readOutput(lines, sections.get('Output'), scope);
  for (const agent of agents) {
    if (!steps.some((step) => step.agent === agent.id)) notes.warning('UNUSED_AGENT', `Agent \`${agent.name}\` is not used by any step.`, agent.at);
  }

  const workflow = { name: structure.title?.text ?? '', description: structure.description };
  return {
    ...workflow,
    inputs,
    agents: agents.map(({ at: _at, ...agent }) => ({ ...agent, systemPrompt: systemPrompt(agent, workflow, agents, steps) })),
    steps: steps.map(planStep),
    ...output,
    compilerNotes: [],
  };
}

/**
 * Markdown → execution plan and diagnostics (spec §9). Pure: no I/O, clock or randomness, so the
 * same document always gives the same plan. Never throws: a failure of the compiler itself becomes
 * an INTERNAL_ERROR note.
 */
export function compile(markdown: string, options: CompileOptions = {}): CompileResult {
  const notes = new Notes();
  let plan: Plan;
  try {
    plan = build(typeof markdown === 'string' ? markdown : String(markdown), options, notes);
  } catch (error) {
    notes.error('INTERNAL_ERROR', `The compiler failed on this document (${(error as Error).message}); please report it with the document.`, START);
    plan = emptyPlan();
  }
  const sorted = notes.sorted();
  plan.compilerNotes = sorted;
  return { valid: !sorted.some((note) => note.severity === 'error'), plan, notes: sorted };
}
