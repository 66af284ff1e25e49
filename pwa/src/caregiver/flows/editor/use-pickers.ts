import { useClientHandle } from '@urql/vue';
import { onMounted, shallowRef } from 'vue';
import type { Option, Reference } from '../form/form-context';
import {
  ActionTemplateOptionsQuery,
  FlowChoicesQuery,
  PickerOptionsQuery,
  type ActionTemplateInfo,
  type FlowChoicesPage,
} from './operations';

export interface PickerOptions {
  /** Objects a reference field may name; values are global IDs (what saves take and the API shows). */
  choices: Record<Reference['entity'], Option[]>;
  metrics: string[];
  templates: ActionTemplateInfo[];
}

/** Names for the pickers (nodes, tablets, flows, action templates, metrics): loaded once per visit. */
export function usePickers(flowId: string) {
  const { client } = useClientHandle();
  const pickers = shallowRef<PickerOptions>({
    choices: { node: [], device: [], flow: [] },
    metrics: [],
    templates: [],
  });
  async function allFlows(): Promise<Option[]> {
    const flows: Option[] = [];
    let after: string | null = null;
    for (;;) {
      const result = await client.query(FlowChoicesQuery, { after }).toPromise();
      const page: FlowChoicesPage | undefined = result.data?.flows;
      if (!page) return flows;
      for (const { node } of page.edges) flows.push({ value: node.id, label: node.name });
      if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return flows;
      after = page.pageInfo.endCursor;
    }
  }

  onMounted(async () => {
    const [things, templates, flows] = await Promise.all([
      client.query(PickerOptionsQuery, {}).toPromise(),
      client.query(ActionTemplateOptionsQuery, {}).toPromise(),
      allFlows(),
    ]);
    const data = things.data;
    pickers.value = {
      choices: {
        node: data?.gatewayNodes.edges.map(({ node }) => ({ value: node.id, label: node.name })) ?? [],
        device:
          data?.devices.map((device) => ({
            value: device.id,
            label: device.room ? `${device.name} (${device.room})` : device.name,
            name: device.name,
          })) ?? [],
        // A flow cannot start itself (the server refuses the cycle), so it is not offered.
        flow: flows.filter((flow) => flow.value !== flowId),
      },
      metrics: data?.telemetryMetrics ?? [],
      templates: templates.data?.actionTemplates ?? [],
    };
  });
  return pickers;
}
