import type { Events } from '../../src/store/events.ts';
import type { TestApp } from './app.ts';

/**
 * Collects the tenant's execution status changes from the moment it is called, so a test can start
 * an execution and then wait for it to reach a status (no polling, no sleeps). Each `until` returns
 * the first matching change of that execution after the one the previous `until` returned for it.
 */
export async function watchExecutions(t: TestApp, tenantId = t.tenant.tenantId) {
  const updates = t.app.pubsub.subscribe('executionUpdated', tenantId);
  await updates.ready;
  const seen: Events['executionUpdated'][] = [];
  const cursors = new Map<string, number>();
  return {
    async until(executionId: string, statuses: string[]): Promise<Events['executionUpdated']> {
      for (let index = cursors.get(executionId) ?? 0; ; index++) {
        while (index >= seen.length) {
          const { value, done } = await updates.next();
          if (done) throw new Error('subscription ended');
          seen.push(value);
        }
        const update = seen[index];
        if (update.executionId === executionId && statuses.includes(update.status)) {
          cursors.set(executionId, index + 1);
          return update;
        }
      }
    },
    stop: () => updates.return?.(),
  };
}
