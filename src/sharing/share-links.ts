import type { Db } from '../store/db.ts';
import { ConflictError, executionNotFound, NotFoundError } from '../errors.ts';
import { randomToken } from '../store/ids.ts';

/** A link's public address. */
export const shareUrl = (publicUrl: string, slug: string) => `${publicUrl}/s/${slug}`;

/** Creates the execution's share link unless it has one (idempotent); only completed executions. Returns the execution id. */
export async function createShareLink(db: Db, tenantId: string, executionId: string): Promise<string> {
  const execution = await db.execution.findFirst({ where: { id: executionId, tenantId }, select: { id: true, status: true } });
  if (!execution) throw executionNotFound(executionId);
  if (execution.status !== 'completed') {
    throw new ConflictError('Execution not completed', `Execution ${executionId} is ${execution.status}; only a completed execution's output can be shared`);
  }
  // INSERT … ON CONFLICT DO NOTHING: concurrent calls all end with the one link the first stored.
  await db.shareLink.createMany({ data: [{ executionId, slug: randomToken() }], skipDuplicates: true });
  return executionId;
}

/** Deletes the link: from then on its address answers 404. Returns the execution id. */
export async function revokeShareLink(db: Db, tenantId: string, executionId: string): Promise<string> {
  const execution = await db.execution.findFirst({ where: { id: executionId, tenantId }, select: { id: true } });
  if (!execution) throw executionNotFound(executionId);
  const { count } = await db.shareLink.deleteMany({ where: { executionId } });
  if (count === 0) throw new NotFoundError('Share link not found', `Execution ${executionId} has no share link`);
  return executionId;
}

/** What a public link shows: the execution's current output, or undefined for an unknown or revoked slug. */
export async function findShared(db: Db, slug: string) {
  const link = await db.shareLink.findUnique({
    where: { slug },
    select: { execution: { select: { workflowName: true, output: true, outputType: true, version: true, completedAt: true } } },
  });
  return link?.execution;
}
