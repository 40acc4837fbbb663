import { graphql } from '../generated/graphql/gql.ts';
import type { Api } from './api.ts';
import { CliError, problemOf } from './errors.ts';
import { readMarkdown } from './markdown-file.ts';
import { table } from './table.ts';

const CliWorkflows = graphql(`
  query CliWorkflows($first: Int!, $search: String) {
    workflows(first: $first, search: $search) {
      totalCount
      edges {
        node {
          id
          name
          description
          version
          markdown
          updatedAt
        }
      }
    }
  }
`);

const CliCompileWorkflow = graphql(`
  query CliCompileWorkflow($markdown: String!) {
    compileWorkflow(markdown: $markdown) {
      __typename
      ... on CompileResult {
        valid
        notes {
          line
          column
          severity
          code
          message
        }
        plan {
          name
        }
      }
      ... on ValidationError {
        message
      }
    }
  }
`);

const CliCreateWorkflow = graphql(`
  mutation CliCreateWorkflow($markdown: String!) {
    createWorkflow(markdown: $markdown) {
      __typename
      ... on Workflow {
        id
        name
        version
      }
      ... on Error {
        message
        detail
      }
    }
  }
`);

const CliUpdateWorkflow = graphql(`
  mutation CliUpdateWorkflow($id: ID!, $markdown: String!) {
    updateWorkflow(id: $id, markdown: $markdown) {
      __typename
      ... on Workflow {
        id
        name
        version
      }
      ... on Error {
        message
        detail
      }
    }
  }
`);

export async function listWorkflows(api: Api, json: boolean): Promise<void> {
  const { workflows } = await api.request(CliWorkflows, { first: 100 });
  const nodes = workflows.edges.map(({ node: { markdown: _markdown, ...workflow } }) => workflow);
  if (json) return void console.log(JSON.stringify(nodes, null, 2));
  if (nodes.length === 0) return void console.log('No workflows yet: baton workflow push <file.md>');
  console.log(table([['ID', 'NAME', 'VERSION', 'UPDATED'], ...nodes.map((w) => [w.id, w.name, `v${w.version}`, w.updatedAt])]));
  if (workflows.totalCount > nodes.length) console.log(`(${nodes.length} of ${workflows.totalCount})`);
}

export interface Pushed {
  id: string;
  name: string;
  version: number;
  /** What the push did: the workflow was new, changed, or already had this markdown. */
  action: 'created' | 'updated' | 'unchanged';
}

/**
 * Saves a markdown file as the workflow of its name: creates it, or updates the one workflow of that
 * name (a new version) when the markdown differs. Compiler notes print as `file:line:col`; errors stop it.
 */
export async function pushWorkflow(api: Api, file: string): Promise<Pushed> {
  const markdown = await readMarkdown(file);
  const { compileWorkflow: compiled } = await api.request(CliCompileWorkflow, { markdown });
  if (compiled.__typename === 'ValidationError') throw new CliError(`${file}: ${compiled.message}`);
  for (const note of compiled.notes) console.error(`${file}:${note.line}:${note.column} ${note.severity.toLowerCase()} ${note.code} ${note.message}`);
  if (!compiled.valid) {
    const errors = compiled.notes.filter((note) => note.severity === 'ERROR').length;
    throw new CliError(`${file} does not compile: ${errors} error${errors === 1 ? '' : 's'}`, `baton compile ${file} checks it offline`);
  }
  const name = compiled.plan.name;
  const { workflows } = await api.request(CliWorkflows, { first: 100, search: name });
  const same = workflows.edges.map((edge) => edge.node).filter((workflow) => workflow.name === name);
  if (same.length > 1) throw new CliError(`${same.length} workflows are named "${name}" (${same.map((w) => w.id).join(', ')})`, 'rename one of them, or run one by its id');
  const [existing] = same;
  if (existing?.markdown === markdown) return { id: existing.id, name, version: existing.version, action: 'unchanged' };
  if (!existing) {
    const { createWorkflow: created } = await api.request(CliCreateWorkflow, { markdown });
    if (created.__typename !== 'Workflow') throw new CliError(`${file}: ${problemOf(created)}`);
    return { id: created.id, name: created.name, version: created.version, action: 'created' };
  }
  const { updateWorkflow: updated } = await api.request(CliUpdateWorkflow, { id: existing.id, markdown });
  if (updated.__typename !== 'Workflow') throw new CliError(`${file}: ${problemOf(updated)}`);
  return { id: updated.id, name: updated.name, version: updated.version, action: 'updated' };
}
