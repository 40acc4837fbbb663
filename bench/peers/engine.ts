/** One engine under test: `run(n)` runs the 20-step chain for run number `n` and resolves when it has completed. */
export interface Engine {
  name: string;
  run(n: number): Promise<void>;
  stop(): Promise<void>;
}

export const STEPS = 20;
