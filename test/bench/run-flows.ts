/** The two flows the HTTP run benchmarks drive: webhook → log (with its issued URL) and manual → log. */
export async function createRunFlows(
  gql: (query: string, variables?: Record<string, unknown>) => Promise<any>,
  createFlow: (input: Record<string, unknown>) => Promise<string>,
): Promise<{ hookFlow: string; hookPath: string; manualFlow: string }> {
  const hookFlow = await createFlow({
    name: 'bench-webhook',
    steps: [
      { key: 'hook', type: 'webhook' },
      { key: 'note', type: 'log', config: { message: 'ring {{ trigger.payload.body.i }}' } },
    ],
    edges: [{ source: 'hook', target: 'note' }],
  });
  const issued = await gql(
    `mutation($flowId: ID!) { issueWebhookUrl(flowId: $flowId, stepKey: "hook") { ... on MutationIssueWebhookUrlSuccess { data { path } } } }`,
    { flowId: hookFlow },
  );
  const manualFlow = await createFlow({
    name: 'bench-trigger',
    steps: [
      { key: 'start', type: 'manual' },
      { key: 'note', type: 'log', config: { message: 'by hand {{ trigger.payload.i }}' } },
    ],
    edges: [{ source: 'start', target: 'note' }],
  });
  return { hookFlow, hookPath: issued.issueWebhookUrl.data.path as string, manualFlow };
}
