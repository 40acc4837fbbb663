// The data set of `npm run bench:dashboards`: one tenant with 10,000 recipes, 200 markdown workflows
// and 100,000 executions with their step rows, written by bulk SQL (generate_series) from one real
// recipe and one real workflow made through the library, so every row holds what Baton itself writes.
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import type { ModelRegistry } from '../src/compiler/models.ts';
import { createAgent } from '../src/library/agents.ts';
import { createRecipe } from '../src/library/recipes.ts';
import { createWorkflow } from '../src/library/workflows.ts';
import type { Db } from '../src/store/db.ts';

export interface SeedSize {
  recipes: number;
  workflows: number;
  executions: number;
  /** Executions still live (running, awaiting approval, or not started yet), the newest ones. */
  live: number;
}

export const FULL: SeedSize = { recipes: 10_000, workflows: 200, executions: 100_000, live: 150 };

const TAGS = ['research', 'writing', 'support', 'sales', 'ops', 'finance', 'legal', 'hr', 'marketing', 'data'];

/** A 3-step recipe over two stored agents, and a 4-step markdown workflow: the templates of every row. */
async function templates(db: Db, tenantId: string, models: ModelRegistry) {
  const researcher = await createAgent(db, tenantId, { name: 'Researcher', description: 'Finds sources.', model: 'haiku' }, models);
  const writer = await createAgent(db, tenantId, { name: 'Writer', description: 'Writes.', model: 'haiku' }, models);
  const recipe = await createRecipe(db, tenantId, {
    template_id: 'template',
    name: 'Template',
    description: 'Researches a topic and writes a brief.',
    inputs: { topic: { type: 'string', required: true } },
    steps: [
      { step_id: 'research', order: 1, agent_id: researcher.id, prompt_template: 'Research {input.topic}.' },
      { step_id: 'outline', order: 2, agent_id: writer.id, prompt_template: 'Outline: {previous_output}' },
      { step_id: 'write', order: 3, agent_id: writer.id, prompt_template: 'Write from: {previous_output}' },
    ],
  }, models);
  const markdown = readFileSync(new URL('../docs/examples/workflows/parallel-perspectives.md', import.meta.url), 'utf8');
  const workflow = await createWorkflow(db, tenantId, markdown, models);
  return { recipe, workflow };
}

/**
 * Seeds the tenant. Recipe use follows a power law (a few recipes run often, most rarely); finished
 * executions spread over the last 60 days, 80 % completed, 12 % failed, 8 % stopped; the newest
 * `live` ones run now (a third of them before any step started, a sixth awaiting approval).
 */
export async function seed(db: Db, pool: pg.Pool, tenantId: string, models: ModelRegistry, size: SeedSize = FULL): Promise<void> {
  const { recipe, workflow } = await templates(db, tenantId, models);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Bulk statements of hundreds of thousands of rows: the app's per-statement limit is for requests.
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SELECT setseed(0.42)');
    await client.query(
      `INSERT INTO recipes (id, tenant_id, template_id, name, description, tags, template_definition, steps, inputs, outputs, execution_config, recommended_agents,
         required_tools, quality_score, use_count, popularity, average_rating, is_public, is_featured, plan, created_at, updated_at, last_used_at)
       SELECT 'rcp_' || substr(md5('r' || i), 1, 24), $1, 'recipe-' || i, 'Recipe ' || i || ' ' || (ARRAY['brief', 'digest', 'triage', 'report', 'review'])[1 + i % 5],
         'Generated recipe number ' || i, ARRAY[($3::text[])[1 + i % 10], ($3::text[])[1 + (3 * i + 1) % 10]],
         t.template_definition, t.steps, t.inputs, t.outputs, t.execution_config, t.recommended_agents, t.required_tools,
         CASE WHEN i % 3 = 0 THEN NULL ELSE round((0.4 + random() * 0.6)::numeric, 3)::float END,
         0, round((random() * 100)::numeric, 2)::float, round((random() * 5)::numeric, 2)::float, i % 10 <> 0, i % 50 = 0, t.plan,
         now() - (i % 90) * interval '1 day' - (i % 86400) * interval '1 second', now() - (i % 30) * interval '1 day', NULL
       FROM generate_series(1, $2::int) AS i, (SELECT * FROM recipes WHERE id = $4) AS t`,
      [tenantId, size.recipes, TAGS, recipe.id],
    );
    await client.query(
      `INSERT INTO workflows (id, tenant_id, name, description, markdown, plan, created_at, updated_at)
       SELECT 'wf_' || substr(md5('w' || i), 1, 24), $1, 'Workflow ' || i, 'Generated markdown workflow ' || i, t.markdown, t.plan,
         now() - (i % 90) * interval '1 day', now() - (i % 30) * interval '1 day'
       FROM generate_series(1, $2::int) AS i, (SELECT * FROM workflows WHERE id = $3) AS t`,
      [tenantId, size.workflows, workflow.id],
    );
    // Execution n: a recipe for 95 % (recipe k = floor(recipes × r³): a power law), a workflow for 5 %.
    await client.query(
      `CREATE TEMP TABLE seeded ON COMMIT DROP AS
       SELECT n, n > $1::int - $2::int AS live, random() AS r, random() AS pick, random() AS took,
         CASE WHEN n % 20 = 0 THEN NULL ELSE 1 + floor($3::int * power(random(), 3))::int END AS recipe_no
       FROM generate_series(1, $1::int) AS n`,
      [size.executions, size.live, size.recipes],
    );
    await client.query(
      `INSERT INTO executions (id, tenant_id, workflow_id, recipe_id, workflow_name, triggered_by, metadata, plan, inputs, status, error,
         steps_completed, steps_total, output, output_type, version, created_at, completed_at, updated_at)
       SELECT 'exec_' || substr(md5('e' || s.n), 1, 24), $1,
         CASE WHEN s.recipe_no IS NULL THEN 'wf_' || substr(md5('w' || (1 + s.n % $4::int)), 1, 24) END,
         CASE WHEN s.recipe_no IS NOT NULL THEN 'rcp_' || substr(md5('r' || s.recipe_no), 1, 24) END,
         CASE WHEN s.recipe_no IS NULL THEN 'Workflow ' || (1 + s.n % $4::int) ELSE 'Recipe ' || s.recipe_no END,
         CASE WHEN s.n % 7 = 0 THEN 'cron' ELSE 'manual' END,
         CASE WHEN s.recipe_no IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('template_id', 'recipe-' || s.recipe_no, 'recipe_version', '1.0') END,
         CASE WHEN s.recipe_no IS NULL THEN w.plan ELSE r.plan END, '{"topic": "tides", "decision": "Ship it?"}'::jsonb, x.status,
         CASE WHEN x.status = 'failed' THEN 'Step 2 failed: the model answered with an error' END,
         CASE x.status WHEN 'completed' THEN x.steps WHEN 'running' THEN CASE WHEN s.r < 0.33 THEN 0 ELSE 1 END ELSE 1 END, x.steps,
         CASE WHEN x.status = 'completed' THEN 'The brief.' END, 'markdown', CASE WHEN x.status = 'completed' THEN 1 ELSE 0 END,
         x.created_at, x.completed_at, coalesce(x.completed_at, x.created_at)
       FROM seeded s
       CROSS JOIN (SELECT plan FROM recipes WHERE id = $2) r
       CROSS JOIN (SELECT plan FROM workflows WHERE id = $3) w
       CROSS JOIN LATERAL (
         SELECT status, created_at, CASE WHEN status IN ('completed', 'failed', 'stopped') THEN created_at + (5 + s.took * 600) * interval '1 second' END AS completed_at,
           CASE WHEN s.recipe_no IS NULL THEN 4 ELSE 3 END AS steps
         FROM (SELECT
           CASE WHEN s.live THEN CASE WHEN s.r < 0.84 THEN 'running' ELSE 'awaiting_approval' END
                WHEN s.pick < 0.80 THEN 'completed' WHEN s.pick < 0.92 THEN 'failed' ELSE 'stopped' END AS status,
           CASE WHEN s.live THEN now() - s.took * interval '20 minutes' ELSE now() - interval '1 hour' - ($5::int - s.n) * (60 * interval '1 day') / $5::int END AS created_at
         ) AS v
       ) AS x`,
      [tenantId, recipe.id, workflow.id, size.workflows, size.executions],
    );
    // Step rows as the engine leaves them: all done for a completed run; the first done and the
    // second failed (or stopped, or awaiting approval, or running) otherwise; a third of the running
    // ones have started nothing yet (the recipe API's `pending`).
    await client.query(
      `INSERT INTO step_runs (id, execution_id, step_id, position, status, attempt, agent_id, model_id, output, tokens_in, tokens_out, queued_at, started_at, completed_at, worker_id)
       SELECT 'run_' || substr(md5(e.id || p.position), 1, 24), e.id, p.step->>'id', p.position - 1, st.status, CASE WHEN st.status = 'pending' THEN 0 ELSE 1 END,
         p.step->>'agent', NULL, CASE WHEN st.status = 'completed' THEN 'Step output.' END, CASE WHEN st.started THEN 900 ELSE 0 END, CASE WHEN st.started THEN 300 ELSE 0 END,
         CASE WHEN st.started OR (st.status = 'pending' AND p.position = 1) THEN e.created_at END,
         CASE WHEN st.started THEN e.created_at + (p.position - 1) * interval '20 seconds' END,
         CASE WHEN st.status IN ('completed', 'failed', 'stopped') AND st.started THEN e.created_at + p.position * interval '20 seconds' END,
         CASE WHEN st.status = 'running' THEN 'wrk_bench' END
       FROM executions e
       CROSS JOIN LATERAL jsonb_array_elements(e.plan->'steps') WITH ORDINALITY AS p(step, position)
       CROSS JOIN LATERAL (SELECT
         CASE
           WHEN e.status = 'completed' THEN 'completed'
           WHEN e.status = 'running' AND e.steps_completed = 0 THEN 'pending'
           WHEN p.position = 1 THEN 'completed'
           WHEN p.position = 2 THEN CASE e.status WHEN 'failed' THEN 'failed' WHEN 'stopped' THEN 'stopped' ELSE e.status END
           ELSE CASE WHEN e.status = 'stopped' THEN 'stopped' ELSE 'pending' END
         END AS status) AS st0
       CROSS JOIN LATERAL (SELECT st0.status, st0.status NOT IN ('pending') AND NOT (st0.status = 'stopped' AND p.position > 2) AS started) AS st
       WHERE e.tenant_id = $1`,
      [tenantId],
    );
    // What the executions counted: the recipes' use_count and last_used_at.
    await client.query(
      `UPDATE recipes r SET use_count = u.uses, last_used_at = u.last FROM (
         SELECT recipe_id, count(*)::int AS uses, max(created_at) AS last FROM executions WHERE tenant_id = $1 AND recipe_id IS NOT NULL GROUP BY recipe_id
       ) u WHERE r.id = u.recipe_id`,
      [tenantId],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  await pool.query('VACUUM ANALYZE recipes, workflows, executions, step_runs');
}
