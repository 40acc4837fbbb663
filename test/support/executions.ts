import type { Events } from '../../src/events.ts';
import type { TestApp } from './app.ts';

/**
 * Collects the tenant's execution status changes from the moment it is called, so a test can start
 * an execution and then wait for it to reach a status (no polling, no sleeps). Each `until` returns
 * the first matching change after the one the previous `until` returned.
 */
export async function watchExecutions(t: TestApp, tenantId = t.tenant.tenantId) {
  const updates = t.app.pubsub.subscribe('executionUpdated', tenantId);
  await updates.ready;
  const seen: Events['executionUpdated'][] = [];
  let cursor = 0;
  return {
    async until(executionId: string, statuses: string[]): Promise<Events['executionUpdated']> {
      for (;;) {
        while (cursor < seen.length) {
          const update = seen[cursor++];
          if (update.executionId === executionId && statuses.includes(update.status)) return update;
        }
        const { value, done } = await updates.next();
        if (done) throw new Error('subscription ended');
        seen.push(value);
      }
    },
    stop: () => updates.return?.(),
  };
}
