import type pg from 'pg';
import type { Boss } from '../store/boss.ts';
import type { PubSub } from '../store/pubsub.ts';

const TIMEOUT_MS = 2000;

async function probe(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return `error: ${(error as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /healthz`: 200 when the database, the queue and pub/sub all answer, else 503 naming the failing one. */
export function healthHandler(deps: { pool: pg.Pool; boss: Boss; pubsub: PubSub }) {
  return async (): Promise<Response> => {
    const [database, queue, pubsub] = await Promise.all([
      probe(() => deps.pool.query('SELECT 1')),
      probe(() => deps.boss.getQueues()),
      probe(() => deps.pubsub.check()),
    ]);
    const ok = [database, queue, pubsub].every((status) => status === 'ok');
    return Response.json(
      { status: ok ? 'ok' : 'unavailable', database, queue, pubsub, pubsub_kind: deps.pubsub.kind },
      { status: ok ? 200 : 503, headers: { 'cache-control': 'no-store' } },
    );
  };
}
