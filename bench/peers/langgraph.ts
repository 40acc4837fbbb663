// LangGraph.js: a StateGraph of 20 nodes in a line, each a model call, checkpointed in PostgreSQL
// by the official PostgresSaver (default durability), one thread per run.
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { ask, modelClient, promptOf } from './model-call.ts';
import { STEPS, type Engine } from './engine.ts';

const State = Annotation.Root({ n: Annotation<number>(), last: Annotation<string>() });

export async function langGraph(modelUrl: string, databaseUrl: string): Promise<Engine> {
  const client = modelClient(modelUrl);
  const checkpointer = PostgresSaver.fromConnString(databaseUrl);
  await checkpointer.setup();
  // The builder's types grow with each node; the chain is built in a loop, so it is typed loosely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const graph: any = new StateGraph(State);
  for (let i = 0; i < STEPS; i++) graph.addNode(`s${i}`, async (state: typeof State.State) => ({ last: await ask(client, promptOf(i, state.n)) }));
  graph.addEdge(START, 's0');
  for (let i = 1; i < STEPS; i++) graph.addEdge(`s${i - 1}`, `s${i}`);
  graph.addEdge(`s${STEPS - 1}`, END);
  const app = graph.compile({ checkpointer });
  return {
    name: 'LangGraph.js 1.7 + PostgresSaver',
    async run(n) {
      await app.invoke({ n }, { configurable: { thread_id: `run-${n}` } });
    },
    async stop() {
      await checkpointer.end();
    },
  };
}
