import { graphql } from '../../src/generated/graphql/gql.ts';

// The GraphQL operations the REST routes run. Fragments hold what a REST body shows of each object.

export const CompileNotesFields = graphql(`
  fragment RestCompileNotes on CompileError {
    notes {
      severity
      code
      message
      line
      column
    }
  }
`);

export const PlanFields = graphql(`
  fragment RestPlan on WorkflowPlan {
    name
    description
    inputs {
      name
      type
      required
      default
      enum
      description
    }
    agents {
      id
      name
      description
      model
      modelId
      tools
      temperature
      maxTokens
      systemPrompt
    }
    steps {
      id
      title
      agent
      prompt
      dependsOn
      approval
      condition
      forEach
      concurrency
      retries
      retryDelayMs
      timeoutMs
      onError
      onReject
      reviseStep
      model
      modelId
      maxTurns
      outputFormat
      outputSchema
    }
    output
    outputMode
    outputType
    compilerNotes {
      severity
      code
      message
      line
      column
    }
  }
`);

export const WorkflowFields = graphql(`
  fragment RestWorkflow on Workflow {
    id
    name
    description
    markdown
    version
    createdAt
    updatedAt
    plan {
      ...RestPlan
    }
  }
`);

export const WorkflowSummaryFields = graphql(`
  fragment RestWorkflowSummary on Workflow {
    id
    name
    description
    version
    createdAt
    updatedAt
  }
`);

export const ExecutionFields = graphql(`
  fragment RestExecution on Execution {
    id
    workflowId
    recipeId
    workflowName
    status
    error
    startedAt
    completedAt
    stepsCompleted
    stepsTotal
    output
    outputType
    inputs
    version
    refineStatus
    shareUrl
  }
`);

export const VersionFields = graphql(`
  fragment RestVersion on OutputVersion {
    version
    output
    outputType
    prompt
    parentVersion
    createdAt
  }
`);

export const ListWorkflows = graphql(`
  query RestListWorkflows($first: Int!, $after: String) {
    workflows(first: $first, after: $after) {
      edges {
        node {
          ...RestWorkflowSummary
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const GetWorkflow = graphql(`
  query RestGetWorkflow($id: ID!) {
    workflow(id: $id) {
      ...RestWorkflow
    }
  }
`);

export const CreateWorkflow = graphql(`
  mutation RestCreateWorkflow($markdown: String!) {
    createWorkflow(markdown: $markdown) {
      ... on Workflow {
        ...RestWorkflow
      }
      ... on Error {
        ...RestError
      }
      ... on CompileError {
        ...RestCompileNotes
      }
    }
  }
`);

export const UpdateWorkflow = graphql(`
  mutation RestUpdateWorkflow($id: ID!, $markdown: String!) {
    updateWorkflow(id: $id, markdown: $markdown) {
      ... on Workflow {
        ...RestWorkflow
      }
      ... on Error {
        ...RestError
      }
      ... on CompileError {
        ...RestCompileNotes
      }
    }
  }
`);

export const DeleteWorkflow = graphql(`
  mutation RestDeleteWorkflow($id: ID!) {
    deleteWorkflow(id: $id) {
      ... on Workflow {
        id
      }
      ... on Error {
        ...RestError
      }
    }
  }
`);

export const CompileWorkflow = graphql(`
  query RestCompileWorkflow($markdown: String!) {
    compileWorkflow(markdown: $markdown) {
      ... on CompileResult {
        valid
        plan {
          ...RestPlan
        }
      }
      ... on Error {
        ...RestError
      }
    }
  }
`);

export const RunWorkflow = graphql(`
  mutation RestRunWorkflow($workflowId: ID!, $inputs: JSON, $budget: BudgetInput) {
    runWorkflow(workflowId: $workflowId, inputs: $inputs, budget: $budget) {
      ... on Execution {
        id
        status
        startedAt
      }
      ... on Error {
        ...RestError
      }
    }
  }
`);

export const ListExecutions = graphql(`
  query RestListExecutions($first: Int!, $after: String, $statuses: [ExecutionStatus!], $workflowId: ID, $recipeId: ID) {
    executions(first: $first, after: $after, statuses: $statuses, workflowId: $workflowId, recipeId: $recipeId) {
      edges {
        node {
          ...RestExecution
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const GetExecution = graphql(`
  query RestGetExecution($id: ID!) {
    execution(id: $id) {
      ...RestExecution
    }
  }
`);

export const StepFields = graphql(`
  fragment RestStep on StepRun {
    stepId
    itemIndex
    agentId
    status
    model
    output
    tokens {
      input
      output
    }
    turns
    toolCalls {
      name
    }
    startedAt
    completedAt
    durationMs
    attempts
    error
    approval {
      approved
      reason
      at
    }
  }
`);

export const GetSteps = graphql(`
  query RestGetSteps($id: ID!) {
    execution(id: $id) {
      steps {
        ...RestStep
      }
    }
  }
`);

export const StopExecution = graphql(`
  mutation RestStopExecution($id: ID!) {
    stopExecution(id: $id) {
      ... on Execution {
        ...RestExecution
      }
      ... on Error {
        ...RestError
      }
    }
  }
`);

export const ApproveStep = graphql(`
  mutation RestApproveStep($executionId: ID!, $stepId: String!, $approved: Boolean!, $reason: String) {
    approveStep(executionId: $executionId, stepId: $stepId, approved: $approved, reason: $reason) {
      ... on Execution {
        ...RestExecution
      }
      ... on Error {
        ...RestError
      }
    }
  }
`);

export const ShareExecution = graphql(`
  mutation RestShareExecution($id: ID!) {
    shareExecution(id: $id) {
      ... on Execution {
        shareUrl
      }
      ... on Error {
        ...RestError
      }
    }
  }
`);

export const RevokeShare = graphql(`
  mutation RestRevokeShare($id: ID!) {
    revokeShare(id: $id) {
      ... on Execution {
        id
      }
      ... on Error {
        ...RestError
      }
    }
  }
`);

export const RefineExecution = graphql(`
  mutation RestRefineExecution($id: ID!, $prompt: String!) {
    refineExecution(id: $id, prompt: $prompt) {
      ... on Execution {
        refineStatus
      }
      ... on Error {
        ...RestError
      }
    }
  }
`);

export const ListVersions = graphql(`
  query RestListVersions($id: ID!) {
    execution(id: $id) {
      versions {
        ...RestVersion
      }
    }
  }
`);

export const GetVersion = graphql(`
  query RestGetVersion($id: ID!, $number: Int!) {
    execution(id: $id) {
      outputVersion(number: $number) {
        ...RestVersion
      }
    }
  }
`);
