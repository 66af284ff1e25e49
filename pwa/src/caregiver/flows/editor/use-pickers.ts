import { useClientHandle } from '@urql/vue';
import { onMounted, shallowRef } from 'vue';
import type { Option, Reference } from '../form/form-context';
import { PickerOptionsQuery, ReferenceOptionsQuery, type ActionTemplateInfo } from './operations';

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
  onMounted(async () => {
    const [things, references] = await Promise.all([
      client.query(PickerOptionsQuery, {}).toPromise(),
      client.query(ReferenceOptionsQuery, {}).toPromise(),
    ]);
    const data = things.data;
    const more = references.data;
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
        flow:
          more?.flows.edges
            .filter(({ node }) => node.id !== flowId)
            .map(({ node }) => ({ value: node.id, label: node.name })) ?? [],
      },
      metrics: data?.telemetryMetrics ?? [],
      templates: more?.actionTemplates ?? [],
    };
  });
  return pickers;
}
