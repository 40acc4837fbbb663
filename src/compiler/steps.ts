import { modelOf, type AgentDraft } from './agents.ts';
import type { Block } from './blocks.ts';
import type { Item, Section } from './document.ts';
import type { ModelRegistry } from './models.ts';
import { didYouMean, type Notes, type Position } from './notes.ts';
import { ON_ERROR, OUTPUT_FORMATS, type JsonValue, type PlanStep } from './plan.ts';
import { readBody, type Property } from './properties.ts';
import { slug } from './slug.ts';
import { choice, duration, integer } from './values.ts';

export const STEP_KEYS = [
  'Id', 'Agent', 'Depends on', 'Approval', 'Condition', 'For each', 'Concurrency', 'Retries', 'Retry delay',
  'Timeout', 'On error', 'On reject', 'Model', 'Max turns', 'Output',
] as const;

/** A step as read from its section, before references between steps are resolved. */
export interface StepDraft extends PlanStep {
  at: Position;
  properties: Map<string, Property>;
  /** The 1-based source line of each line of `prompt`. */
  promptLines: number[];
  /** `Depends on` as written (undefined: the default, the previous step). */
  dependencyRefs: { ref: string; at: Position }[] | undefined;
  /** `On reject: revise <ref>` as written, and where the reference stands. */
  reviseRef: { ref: string; at: Position } | undefined;
}

const YES = ['required', 'yes', 'true'];
const NO = ['no', 'false', 'none', 'optional', 'not required'];

/** The comma-separated references of a property, each with its own position. */
function references(property: Property): { ref: string; at: Position }[] {
  const found: { ref: string; at: Position }[] = [];
  let offset = 0;
  for (const part of property.value.split(',')) {
    const ref = part.trim();
    if (ref) found.push({ ref, at: { line: property.valueAt.line, column: property.valueAt.column + offset + part.indexOf(ref) } });
    offset += part.length + 1;
  }
  return found;
}

function approvalOf(property: Property | undefined, notes: Notes): boolean {
  if (!property) return false;
  const value = property.value.toLowerCase();
  if (YES.includes(value)) return true;
  if (!NO.includes(value)) notes.error('INVALID_VALUE', `\`Approval\` must be \`required\` (or left out), not \`${property.value}\`.`, property.valueAt);
  return false;
}

/** The expected shape of a JSON answer: the first ```json block of the step. */
function schemaOf(blocks: Block[], notes: Notes): JsonValue {
  const fence = blocks.find((block): block is Extract<Block, { type: 'fence' }> => block.type === 'fence' && /^json\b/i.test(block.info));
  if (!fence) return null;
  try {
    return JSON.parse(fence.content) as JsonValue;
  } catch (error) {
    const offset = Number(/position (\d+)/.exec((error as Error).message)?.[1] ?? 0);
    const before = fence.content.slice(0, offset).split('\n');
    notes.error('INVALID_OUTPUT_SCHEMA', `The \`\`\`json block is not valid JSON (${(error as Error).message.replace(/ in JSON at .*$/, '')}); it describes the shape of the step's answer.`, {
      line: fence.start + 1 + before.length,
      column: before.at(-1)!.length + 1,
    });
    return null;
  }
}

function readStep(lines: string[], item: Item, agents: AgentDraft[], registry: ModelRegistry, notes: Notes): StepDraft | undefined {
  const { properties, text, textLines } = readBody(lines, item, STEP_KEYS, notes);
  const at = { line: item.heading.line, column: item.heading.column };
  const get = (key: (typeof STEP_KEYS)[number]) => properties.get(key);

  const explicitId = get('Id');
  const id = explicitId ? explicitId.value : slug(item.heading.text);
  if (explicitId && slug(explicitId.value) !== explicitId.value) {
    notes.error('INVALID_ID', `Step ids use lowercase letters, digits and _: write \`Id: ${slug(explicitId.value) || 'step_1'}\`.`, explicitId.valueAt);
    return undefined;
  }
  if (!id) {
    notes.error('INVALID_ID', `The step \`${item.heading.text}\` has no letters or digits to make an id from: add \`Id: <id>\`.`, at);
    return undefined;
  }

  const agentProperty = get('Agent');
  let agent: AgentDraft | undefined;
  if (agentProperty) {
    const wanted = agentProperty.value.toLowerCase();
    agent = agents.find((a) => a.id === wanted || a.name.toLowerCase() === wanted || a.id === slug(agentProperty.value));
    if (!agent) {
      const known = agents.map((a) => a.name);
      notes.error('UNKNOWN_AGENT', `No agent is named \`${agentProperty.value}\`.${didYouMean(agentProperty.value, known)}${known.length ? ` Agents: ${known.join(', ')}.` : ' Add it under `## Agents`.'}`, agentProperty.valueAt);
    }
  }
  const approval = approvalOf(get('Approval'), notes);
  if (!agentProperty && !approval) {
    notes.error('MISSING_AGENT', `Step \`${item.heading.text}\` needs \`Agent: <name>\`, or \`Approval: required\` to make it an approval checkpoint.`, at);
  }
  if (agentProperty && !text.trim()) notes.error('MISSING_PROMPT', `Step \`${item.heading.text}\` needs a prompt: write what the agent should do under its heading.`, at);

  const forEach = get('For each');
  const concurrency = get('Concurrency');
  if (concurrency && !forEach) notes.warning('IGNORED_PROPERTY', '`Concurrency` only applies with `For each`; it is ignored here.', concurrency.at);
  const onRejectProperty = get('On reject');
  if (onRejectProperty && !approval) notes.warning('IGNORED_PROPERTY', '`On reject` only applies with `Approval: required`; it is ignored here.', onRejectProperty.at);
  let onReject: 'fail' | 'revise' = 'fail';
  let reviseRef: { ref: string; at: Position } | undefined;
  if (onRejectProperty && approval) {
    const revise = /^(revise\s+)(.+)$/i.exec(onRejectProperty.value);
    if (revise) {
      onReject = 'revise';
      reviseRef = { ref: revise[2].trim(), at: { line: onRejectProperty.valueAt.line, column: onRejectProperty.valueAt.column + revise[1].length } };
    }
    else if (onRejectProperty.value.toLowerCase() !== 'fail') {
      notes.error('INVALID_VALUE', `\`On reject\` must be \`fail\` or \`revise <step id>\`, not \`${onRejectProperty.value}\`.`, onRejectProperty.valueAt);
    }
  }
  const modelProperty = get('Model');
  if (modelProperty && !agentProperty) notes.warning('IGNORED_PROPERTY', '`Model` only applies to steps with an agent; it is ignored here.', modelProperty.at);
  const onError = (get('On error') && choice(get('On error')!, ON_ERROR, notes)) || 'stop';
  const retries = get('Retries');
  const outputFormat = (get('Output') && choice(get('Output')!, OUTPUT_FORMATS, notes)) || 'markdown';
  const dependsOn = get('Depends on');
  const number = (key: 'Retries' | 'Max turns' | 'Concurrency', min: number, max: number) => {
    const property = get(key);
    return property ? integer(property, min, max, notes) : undefined;
  };

  return {
    id,
    title: item.heading.text,
    agent: agent?.id ?? null,
    prompt: text,
    dependsOn: [],
    approval,
    condition: get('Condition')?.value ?? null,
    forEach: forEach?.value ?? null,
    concurrency: forEach ? (number('Concurrency', 1, 1000) ?? null) : null,
    retries: number('Retries', 0, 10) ?? (onError === 'retry' && !retries ? 2 : 0),
    retryDelayMs: (get('Retry delay') && duration(get('Retry delay')!, 3_600_000, notes)) ?? 5000,
    timeoutMs: (get('Timeout') && duration(get('Timeout')!, 24 * 3_600_000, notes, 1)) ?? 600_000,
    onError,
    onReject,
    reviseStep: null,
    model: modelProperty && agentProperty ? modelProperty.value : null,
    modelId: modelProperty && agentProperty ? (modelOf(modelProperty, registry, notes) ?? null) : null,
    maxTurns: number('Max turns', 1, 100) ?? 10,
    outputFormat,
    outputSchema: outputFormat === 'json' ? schemaOf(item.blocks, notes) : null,
    at,
    properties,
    promptLines: textLines,
    dependencyRefs: dependsOn ? (/^none$/i.test(dependsOn.value) ? [] : references(dependsOn)) : undefined,
    reviseRef,
  };
}

export function readSteps(lines: string[], section: Section, agents: AgentDraft[], registry: ModelRegistry, notes: Notes): StepDraft[] {
  const steps: StepDraft[] = [];
  const byId = new Map<string, StepDraft>();
  for (const item of section.items) {
    const step = readStep(lines, item, agents, registry, notes);
    if (!step) continue;
    const twin = byId.get(step.id);
    if (twin) {
      const explicit = step.properties.get('Id');
      const fix = explicit ? 'change its `Id:`' : 'rename one or give it an `Id:`';
      notes.error('DUPLICATE_STEP', `Two steps have the id \`${step.id}\` (\`${twin.title}\` on line ${twin.at.line} and \`${step.title}\`): ${fix}.`, explicit?.valueAt ?? step.at);
      continue;
    }
    byId.set(step.id, step);
    steps.push(step);
  }
  return steps;
}
