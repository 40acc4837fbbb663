import { builder } from '../builder.ts';
import { compile } from '../compiler/compile.ts';
import type { CompilerNote } from '../compiler/notes.ts';
import type { CompileResult, Plan, PlanAgent, PlanInput, PlanStep } from '../compiler/plan.ts';
import { ValidationError } from '../errors.ts';
import { checkSize } from '../library/workflows.ts';

// The execution plan as typed GraphQL objects (spec §9), mirroring src/compiler/plan.ts.

const lowerEnum = <const T extends string>(name: string, values: readonly T[], description: string) =>
  builder.enumType(name, {
    description,
    values: Object.fromEntries(values.map((value) => [value.toUpperCase().replace('[]', '_LIST'), { value }])) as Record<string, { value: T }>,
  });

const Severity = lowerEnum('Severity', ['error', 'warning', 'info'] as const, 'How bad a compiler note is: any ERROR makes the document invalid.');
const InputType = lowerEnum('InputType', ['string', 'number', 'boolean', 'string[]', 'number[]', 'object'] as const, 'The type of a workflow input (STRING_LIST is string[]).');
const OutputFormat = lowerEnum('OutputFormat', ['markdown', 'text', 'json'] as const, 'What a step answers with.');
export const OutputType = lowerEnum('OutputType', ['markdown', 'text', 'json', 'html'] as const, "What the workflow's output is.");
const OutputMode = lowerEnum('OutputMode', ['path', 'template'] as const, 'Whether the output is a single path or a template.');
const OnError = lowerEnum('OnError', ['stop', 'continue', 'retry'] as const, 'What a failed step does to the execution.');
const OnReject = lowerEnum('OnReject', ['fail', 'revise'] as const, 'What a rejected approval does.');

export const CompilerNoteRef = builder.objectRef<CompilerNote>('CompilerNote').implement({
  description: 'A diagnostic with a stable code, a message saying how to fix it, and where (1-based line and column).',
  fields: (t) => ({
    severity: t.expose('severity', { type: Severity }),
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    line: t.exposeInt('line'),
    column: t.exposeInt('column'),
  }),
});

const PlanInputRef = builder.objectRef<PlanInput>('PlanInput').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    type: t.expose('type', { type: InputType }),
    required: t.exposeBoolean('required'),
    default: t.expose('default', { type: 'JSON', nullable: true }),
    enum: t.expose('enum', { type: ['JSON'], nullable: true, description: 'The allowed values, when restricted.' }),
    description: t.exposeString('description'),
  }),
});

const PlanAgentRef = builder.objectRef<PlanAgent>('PlanAgent').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    model: t.exposeString('model', { description: 'As written: an alias such as Sonnet, or a model id.' }),
    modelId: t.exposeString('modelId'),
    tools: t.exposeStringList('tools'),
    temperature: t.exposeFloat('temperature', { nullable: true }),
    maxTokens: t.exposeInt('maxTokens'),
    systemPrompt: t.exposeString('systemPrompt'),
  }),
});

const PlanStepRef = builder.objectRef<PlanStep>('PlanStep').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    agent: t.exposeString('agent', { nullable: true, description: "The agent's id; null for an approval checkpoint." }),
    prompt: t.exposeString('prompt'),
    dependsOn: t.exposeStringList('dependsOn'),
    approval: t.exposeBoolean('approval'),
    condition: t.exposeString('condition', { nullable: true }),
    forEach: t.exposeString('forEach', { nullable: true }),
    concurrency: t.exposeInt('concurrency', { nullable: true }),
    retries: t.exposeInt('retries'),
    retryDelayMs: t.exposeInt('retryDelayMs'),
    timeoutMs: t.exposeInt('timeoutMs'),
    onError: t.expose('onError', { type: OnError }),
    onReject: t.expose('onReject', { type: OnReject }),
    reviseStep: t.exposeString('reviseStep', { nullable: true }),
    model: t.exposeString('model', { nullable: true }),
    modelId: t.exposeString('modelId', { nullable: true }),
    maxTurns: t.exposeInt('maxTurns'),
    order: t.exposeFloat('order', { nullable: true, description: "A recipe step's `order`; null in a markdown workflow's plan." }),
    outputFormat: t.expose('outputFormat', { type: OutputFormat }),
    outputSchema: t.expose('outputSchema', { type: 'JSON', nullable: true }),
  }),
});

export const PlanRef = builder.objectRef<Plan>('WorkflowPlan').implement({
  description: 'A compiled workflow: what the engine runs.',
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    inputs: t.expose('inputs', { type: [PlanInputRef] }),
    agents: t.expose('agents', { type: [PlanAgentRef] }),
    steps: t.expose('steps', { type: [PlanStepRef] }),
    output: t.exposeString('output'),
    outputMode: t.expose('outputMode', { type: OutputMode }),
    outputType: t.expose('outputType', { type: OutputType }),
    compilerNotes: t.expose('compilerNotes', { type: [CompilerNoteRef] }),
  }),
});

const CompileResultRef = builder.objectRef<CompileResult>('CompileResult').implement({
  fields: (t) => ({
    valid: t.exposeBoolean('valid', { description: 'False exactly when a note is an ERROR.' }),
    plan: t.expose('plan', { type: PlanRef, description: 'Best effort when invalid, for previews.' }),
    notes: t.expose('notes', { type: [CompilerNoteRef] }),
  }),
});

builder.queryField('compileWorkflow', (t) =>
  t.field({
    type: CompileResultRef,
    description: "Compiles markdown without saving it: for validation and previews. `Tools:` naming a tool server the tenant does not have is a warning (UNKNOWN_TOOL_SERVER).",
    errors: { types: [ValidationError] },
    args: { markdown: t.arg.string({ required: true }) },
    resolve: async (_root, { markdown }, ctx) => {
      checkSize(markdown);
      return compile(markdown, { models: ctx.models, toolServers: await ctx.tools.aliases(ctx.tenant.id) });
    },
  }),
);
