// DBOS Transact: one workflow whose 20 steps are model calls (DBOS.runStep), each step's result
// checkpointed in its system database before the next starts.
import { DBOS } from '@dbos-inc/dbos-sdk';
import { ask, modelClient, promptOf } from './model-call.ts';
import { STEPS, type Engine } from './engine.ts';

export async function dbosTransact(modelUrl: string, databaseUrl: string): Promise<Engine> {
  const client = modelClient(modelUrl);
  DBOS.setConfig({ name: 'baton-peers', systemDatabaseUrl: databaseUrl, logLevel: 'error' });
  const chain = DBOS.registerWorkflow(
    async (n: number) => {
      for (let i = 0; i < STEPS; i++) await DBOS.runStep(() => ask(client, promptOf(i, n)), { name: `s${i}` });
    },
    { name: 'chain' },
  );
  await DBOS.launch();
  return {
    name: 'DBOS Transact 5.3',
    async run(n) {
      await chain(n);
    },
    async stop() {
      await DBOS.shutdown();
    },
  };
}
