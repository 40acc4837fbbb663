// The baseline: the chain's 20 calls in a plain loop, no engine. What an engine adds is its wall
// time minus this one's.
import { ask, modelClient, promptOf } from './model-call.ts';
import { STEPS, type Engine } from './engine.ts';

export function bareLoop(modelUrl: string): Engine {
  const client = modelClient(modelUrl);
  return {
    name: 'bare SDK loop',
    async run(n) {
      for (let i = 0; i < STEPS; i++) await ask(client, promptOf(i, n));
    },
    async stop() {},
  };
}
