import type { Events } from '../../src/events.ts';
import type { TestApp } from './app.ts';

/**
 * Collects the tenant's execution status changes from the moment it is called, so a test can start
 * an execution and then wait for it to reach a status (no polling, no sleeps).
 */
export async function watchExecutions(t: TestApp, tenantId = t.tenant.tenantId) {
  const updates = t.app.pubsub.subscribe('executionUpdated', tenantId);
  await updates.ready;
  const seen: Events['executionUpdated'][] = [];
  return {
    async until(executionId: string, statuses: string[]): Promise<Events['executionUpdated']> {
      const earlier = seen.find((u) => u.executionId === executionId && statuses.includes(u.status));
      if (earlier) return earlier;
      for (;;) {
        const { value, done } = await updates.next();
        if (done) throw new Error('subscription ended');
        seen.push(value);
        if (value.executionId === executionId && statuses.includes(value.status)) return value;
      }
    },
    stop: () => updates.return?.(),
  };
}
