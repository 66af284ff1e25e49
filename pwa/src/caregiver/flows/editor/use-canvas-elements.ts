import { MarkerType } from '@vue-flow/core';
import { computed, type Ref } from 'vue';
import { edgeId, type Graph } from './graph';
import type { StepTypeInfo } from './operations';
import type { StepNodeData } from './StepNode.vue';
import type { Issue } from './use-versioned-save';

interface CanvasState {
  graph: Ref<Graph>;
  typeOf: Ref<Map<string, StepTypeInfo>>;
  issues: Ref<Issue[]>;
  runSteps: Ref<Record<string, string>>;
  selectedStep: Ref<string | null>;
  selectedEdge: Ref<string | null>;
}

/** The draft graph as Vue Flow nodes and edges: steps with their look and state, edges with ports. */
export function useCanvasElements(state: CanvasState) {
  const { graph, typeOf, selectedStep, selectedEdge } = state;

  const issuesByStep = computed(() => {
    const map = new Map<string, Issue[]>();
    for (const issue of state.issues.value) {
      if (!issue.stepKey) continue;
      map.set(issue.stepKey, [...(map.get(issue.stepKey) ?? []), issue]);
    }
    return map;
  });
  const flowIssues = computed(() => state.issues.value.filter((issue) => !issue.stepKey));

  const nodes = computed(() =>
    graph.value.steps.map((step) => ({
      id: step.key,
      type: 'step',
      position: { ...step.position },
      selected: step.key === selectedStep.value,
      data: {
        step,
        type: typeOf.value.get(step.type),
        issues: issuesByStep.value.get(step.key) ?? [],
        run: state.runSteps.value[step.key],
      } satisfies StepNodeData,
    })),
  );

  const edges = computed(() =>
    graph.value.edges.map((edge) => {
      const ports = typeOf.value.get(graph.value.steps.find((s) => s.key === edge.source)?.type ?? '')?.ports;
      const port = ports?.find((p) => p.name === edge.sourcePort);
      const chosen = edgeId(edge) === selectedEdge.value;
      return {
        id: edgeId(edge),
        source: edge.source,
        sourceHandle: edge.sourcePort,
        target: edge.target,
        targetHandle: 'in',
        // An edge names its port when the step has more than one (true/false, pass/blocked…).
        label:
          (ports?.length ?? 1) > 1 || edge.sourcePort !== 'main'
            ? (port?.label ?? edge.sourcePort)
            : undefined,
        selected: chosen,
        markerEnd: MarkerType.ArrowClosed,
        interactionWidth: 28,
        class: chosen ? 'chosen' : undefined,
        labelBgPadding: [6, 3] as [number, number],
        labelBgBorderRadius: 6,
      };
    }),
  );

  return { nodes, edges, issuesByStep, flowIssues };
}
