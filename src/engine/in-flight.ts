/** The model calls running in this process, by execution, so a stop can abort them. */
export class InFlight {
  private readonly calls = new Map<string, Set<AbortController>>();
  private count = 0;

  /** Model calls running now. */
  get size(): number {
    return this.count;
  }

  start(executionId: string, controller: AbortController): () => void {
    const set = this.calls.get(executionId) ?? new Set();
    set.add(controller);
    this.calls.set(executionId, set);
    this.count++;
    return () => {
      if (set.delete(controller)) this.count--;
      if (set.size === 0) this.calls.delete(executionId);
    };
  }

  abort(executionId: string): void {
    for (const controller of this.calls.get(executionId) ?? []) controller.abort(new Error('the execution was stopped'));
  }
}
