/**
 * Polls `check` until it returns a value other than undefined or false, for a process the test does
 * not control (a child's HTTP endpoint, a server's state); fails after `timeoutMs` with the last
 * value or error seen.
 */
export async function until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, { timeoutMs = 30_000, everyMs = 100, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
