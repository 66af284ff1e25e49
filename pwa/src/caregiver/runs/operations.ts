import { graphql, type ResultOf, type VariablesOf } from '../../shared/graphql/graphql';

export const RunSummaryFields = graphql(`
  fragment RunSummary on FlowExecution {
    id
    status
    flowName
    flow {
      id
    }
    triggerType
    currentStep
    createdAt
    durationMs
    eventSeq
  }
`);

export const RunsQuery = graphql(
  `
    query Runs(
      $first: Int!
      $after: String
      $flowId: ID
      $status: [ExecutionStatus!]
      $active: Boolean
      $triggerType: [String!]
      $since: DateTime
    ) {
      executionEventsCursor
      executions(
        first: $first
        after: $after
        flowId: $flowId
        status: $status
        active: $active
        triggerType: $triggerType
        since: $since
      ) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...RunSummary
          }
        }
      }
    }
  `,
  [RunSummaryFields],
);

export const RunSummaryQuery = graphql(
  `
    query RunSummaryById($id: ID!) {
      execution(id: $id) {
        ...RunSummary
      }
    }
  `,
  [RunSummaryFields],
);

export const FlowNamesQuery = graphql(`
  query FlowNames {
    flows(first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

export const LinkedRunFragment = graphql(`
  fragment LinkedRun on FlowExecution {
    id
    status
    flowName
    createdAt
  }
`);

export const RunDetailQuery = graphql(
  `
    query RunDetail($id: ID!) {
      executionEventsCursor
      execution(id: $id) {
        id
        status
        flowName
        flow {
          id
        }
        flowVersion
        triggerType
        triggerStepKey
        triggerPayload
        data
        snapshot
        currentStep
        completedSteps
        skippedSteps
        error {
          message
          stepKey
          code
        }
        startedAt
        finishedAt
        durationMs
        resumeAt
        waitingFor
        depth
        eventSeq
        createdAt
        parentExecution {
          ...LinkedRun
        }
        rerunOf {
          ...LinkedRun
        }
        childExecutions {
          ...LinkedRun
        }
        timeline {
          stepKey
          stepType
          status
          attempt
          startedAt
          elapsedMs
          output
          ports
          error
        }
      }
    }
  `,
  [LinkedRunFragment],
);

export const CancelRunMutation = graphql(`
  mutation CancelRun($id: ID!) {
    cancelExecution(id: $id) {
      __typename
      ... on MutationCancelExecutionSuccess {
        data {
          id
          status
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export const RerunMutation = graphql(`
  mutation Rerun($id: ID!) {
    rerunExecution(id: $id) {
      __typename
      ... on MutationRerunExecutionSuccess {
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

export const ExecutionEventsSubscription = graphql(`
  subscription ExecutionEvents($flowId: ID, $executionId: ID, $after: String) {
    pipelineExecutionEvents(flowId: $flowId, executionId: $executionId, after: $after) {
      __typename
      ... on PipelineExecutionEvent {
        executionId
        flowId
        flowName
        seq
        kind
        status
        stepKey
        stepType
        ports
        elapsedMs
        error
        at
        cursor
      }
      ... on ReplayUnavailable {
        message
      }
    }
  }
`);

export type RunSummary = ResultOf<typeof RunSummaryFields>;
export type RunDetail = NonNullable<ResultOf<typeof RunDetailQuery>['execution']>;
export type RunsFilter = Omit<VariablesOf<typeof RunsQuery>, 'first' | 'after'>;
type FeedItem = ResultOf<typeof ExecutionEventsSubscription>['pipelineExecutionEvents'];
export type ExecutionEvent = Extract<FeedItem, { __typename: 'PipelineExecutionEvent' }>;
