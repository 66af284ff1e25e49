import { graphql, type ResultOf } from '../../../shared/graphql/graphql';

export const FlowEditorQuery = graphql(`
  query FlowEditor($id: ID!) {
    flow(id: $id) {
      id
      name
      description
      enabled
      version
      updatedAt
      updatedBy
      runMode
      maxConcurrentRuns
      cooloffMinutes
      maxExecutions
      defaultStepTimeoutMs
      steps {
        id
        key
        type
        label
        config
        enabled
        onError
        retryAttempts
        timeoutMs
        actionTemplate {
          id
        }
        position {
          x
          y
        }
      }
      edges {
        id
        source
        sourcePort
        target
      }
    }
    stepTypes {
      type
      category
      title
      description
      isTrigger
      configSchema
      ports {
        name
        label
        description
      }
    }
  }
`);

export type LoadedFlow = NonNullable<ResultOf<typeof FlowEditorQuery>['flow']>;
export type StepTypeInfo = ResultOf<typeof FlowEditorQuery>['stepTypes'][number];

export const UpdateFlowGraph = graphql(`
  mutation UpdateFlowGraph($id: ID!, $input: UpdateFlowInput!) {
    updateFlow(id: $id, input: $input) {
      __typename
      ... on MutationUpdateFlowSuccess {
        data {
          id
          version
          updatedAt
          updatedBy
        }
      }
      ... on Error {
        code
        message
      }
      ... on FlowValidationError {
        issues {
          code
          stepKey
          field
          message
        }
      }
      ... on VersionConflictError {
        currentVersion
        expectedVersion
      }
    }
  }
`);

export const SavePositions = graphql(`
  mutation SavePositions($flowId: ID!, $positions: [StepPositionInput!]!) {
    saveStepPositions(flowId: $flowId, positions: $positions) {
      __typename
    }
  }
`);

export const TriggerFlow = graphql(`
  mutation RunNow($id: ID!, $payload: JSONObject) {
    triggerFlow(id: $id, payload: $payload) {
      __typename
      ... on MutationTriggerFlowSuccess {
        data {
          id
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export const TestStep = graphql(`
  mutation TestStep($type: String!, $config: JSONObject!, $data: JSONObject, $flowId: ID, $stepKey: String) {
    testStep(type: $type, config: $config, data: $data, flowId: $flowId, stepKey: $stepKey) {
      success
      output
      ports
      error
      durationMs
    }
  }
`);

export const ExecutionEvents = graphql(`
  subscription FlowEvents($flowId: ID!) {
    pipelineExecutionEvents(flowId: $flowId) {
      __typename
      ... on PipelineExecutionEvent {
        executionId
        kind
        status
        stepKey
        ports
        error
        seq
      }
    }
  }
`);

export const DataKeysQuery = graphql(`
  query DraftDataKeys($flowId: ID!, $stepKey: String!, $draft: DataKeysDraftInput) {
    dataKeys(flowId: $flowId, stepKey: $stepKey, draft: $draft) {
      __typename
      ... on QueryDataKeysSuccess {
        data
      }
    }
  }
`);

export const MetricPreviewQuery = graphql(`
  query MetricPreview($metric: String!, $node: String) {
    metricPreview(metric: $metric, node: $node, limit: 60) {
      __typename
      ... on QueryMetricPreviewSuccess {
        data {
          count
          min
          max
          avg
          values {
            value
            recordedAt
          }
        }
      }
    }
  }
`);

export const PickerOptionsQuery = graphql(`
  query PickerOptions {
    telemetryMetrics
    gatewayNodes(first: 200) {
      edges {
        node {
          id
          name
          tags
        }
      }
    }
    devices {
      id
      name
      room
    }
  }
`);

export const ActionTemplateOptionsQuery = graphql(`
  query ActionTemplateOptions {
    actionTemplates {
      id
      name
      type
      description
      config
    }
  }
`);

// Paged on its own: a household may have more flows than one page, and with the nodes above a
// single query would cross the server's cost limit (10,000).
export const FlowChoicesQuery = graphql(`
  query FlowChoices($after: String) {
    flows(first: 100, after: $after) {
      edges {
        node {
          id
          name
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export type FlowChoicesPage = ResultOf<typeof FlowChoicesQuery>['flows'];
export type ActionTemplateInfo = ResultOf<typeof ActionTemplateOptionsQuery>['actionTemplates'][number];

export const ExpressionIssuesQuery = graphql(`
  query ExpressionIssues($draft: DataKeysDraftInput!, $stepKey: String) {
    expressionIssues(draft: $draft, stepKey: $stepKey) {
      code
      stepKey
      field
      message
    }
  }
`);

export const CronPreviewQuery = graphql(`
  query CronPreview($expression: String!, $timezone: String) {
    cronPreview(expression: $expression, timezone: $timezone) {
      valid
      description
      error
      nextRuns
      timezone
    }
  }
`);
