import { compile } from '../compiler/compile.ts';
import type { ModelRegistry } from '../compiler/models.ts';
import type { Plan } from '../compiler/plan.ts';
import type pg from 'pg';
import type { Db } from '../store/db.ts';
import { CompileError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { newId } from '../store/ids.ts';

/** Workflow documents larger than this are refused (the compiler itself copes with far more). */
export const MAX_MARKDOWN_BYTES = 256 * 1024;

export function checkSize(markdown: string): void {
  const bytes = Buffer.byteLength(markdown);
  if (bytes > MAX_MARKDOWN_BYTES) {
    throw new ValidationError('Workflow too large', `The markdown is ${bytes} bytes; workflows are limited to ${MAX_MARKDOWN_BYTES} bytes (256 KB).`);
  }
}

/** What a run of a workflow starts from: its plan and its default budget. */
export interface WorkflowToRun {
  plan: Plan;
  budgetTokens: number | null;
  budgetUsd: number | null;
}

/** Compiles a document for storing: too large or invalid is an expected, typed failure. */
export function compileForSave(markdown: string, models: ModelRegistry, toolServers?: string[]): Plan {
  checkSize(markdown);
  const { valid, plan, notes } = compile(markdown, { models, toolServers });
  if (!valid) {
    const errors = notes.filter((note) => note.severity === 'error');
    const first = errors[0];
    throw new CompileError(`${errors.length} error${errors.length === 1 ? '' : 's'}; the first, at line ${first.line}, column ${first.column}: ${first.message}`, notes);
  }
  return plan;
}

const json = (plan: Plan) => plan as unknown as Prisma.InputJsonValue;

function notFound(id: string): NotFoundError {
  return new NotFoundError('Workflow not found', `No workflow with ID ${id} exists for this tenant`);
}

/** A live (not deleted) workflow of the tenant, or NotFoundError. */
export async function findWorkflow(db: Db, tenantId: string, id: string) {
  const workflow = await db.workflow.findFirst({ where: { id, tenantId, deletedAt: null } });
  if (!workflow) throw notFound(id);
  return workflow;
}

/** What starting a run reads of a live workflow (plain SQL on the pool: every run reads it), or NotFoundError. */
export async function workflowToRun(pool: pg.Pool, tenantId: string, id: string): Promise<WorkflowToRun> {
  const {
    rows: [workflow],
  } = await pool.query<WorkflowToRun>({
    name: 'workflow-to-run',
    text: 'SELECT plan, budget_tokens AS "budgetTokens", budget_usd AS "budgetUsd" FROM workflows WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL',
    values: [id, tenantId],
  });
  if (!workflow) throw notFound(id);
  return workflow;
}

export async function createWorkflow(db: Db, tenantId: string, markdown: string, models: ModelRegistry, toolServers?: string[]) {
  const plan = compileForSave(markdown, models, toolServers);
  return db.workflow.create({
    data: { id: newId('wf'), tenantId, name: plan.name, description: plan.description, markdown, plan: json(plan) },
  });
}

/** Recompiles and keeps the previous markdown and plan as a revision. */
export async function updateWorkflow(db: Db, tenantId: string, id: string, markdown: string, models: ModelRegistry, toolServers?: string[]) {
  const plan = compileForSave(markdown, models, toolServers);
  return db.$transaction(async (tx) => {
    const current = await tx.workflow.findFirst({ where: { id, tenantId, deletedAt: null } });
    if (!current) throw notFound(id);
    // Only the update that still sees this version wins; a concurrent one is told to retry.
    const { count } = await tx.workflow.updateMany({
      where: { id, version: current.version },
      data: { name: plan.name, description: plan.description, markdown, plan: json(plan), version: current.version + 1, updatedAt: new Date() },
    });
    if (count === 0) throw new ConflictError('Workflow changed', `Workflow ${id} was updated by another request at the same time; fetch it and try again`);
    await tx.workflowRevision.create({
      data: { id: newId('rev'), workflowId: id, version: current.version, markdown: current.markdown, plan: current.plan as Prisma.InputJsonValue, createdAt: current.updatedAt },
    });
    return tx.workflow.findUniqueOrThrow({ where: { id } });
  });
}

/** Marks the workflow deleted: it disappears from the API, while its executions stay readable. */
export async function deleteWorkflow(db: Db, tenantId: string, id: string) {
  const workflow = await findWorkflow(db, tenantId, id);
  await db.workflow.update({ where: { id }, data: { deletedAt: new Date() } });
  return workflow;
}
