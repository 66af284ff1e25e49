import { useClientHandle } from '@urql/vue';
import { onBeforeUnmount, ref } from 'vue';
import { ExecutionEvents } from './operations';

/** The latest run of a flow as it happens: its status and each step's, from `pipelineExecutionEvents`. */
export function useLiveRun(flowId: string) {
  const { client } = useClientHandle();
  const executionId = ref<string | null>(null);
  const runStatus = ref<string | null>(null);
  const steps = ref<Record<string, string>>({});
  const error = ref<string | null>(null);

  /** Follow this run (e.g. one just started by "Run now") even before its first event. */
  function follow(id: string): void {
    if (executionId.value === id) return;
    executionId.value = id;
    runStatus.value = 'PENDING';
    steps.value = {};
    error.value = null;
  }

  const subscription = client.subscription(ExecutionEvents, { flowId }).subscribe((result) => {
    const event = result.data?.pipelineExecutionEvents;
    // Without `after` the feed never replays, so a ReplayUnavailable marker cannot arrive here.
    if (event?.__typename !== 'PipelineExecutionEvent') return;
    // A newer run (a sensor just fired) takes over the canvas.
    if (event.executionId !== executionId.value) {
      if (event.kind !== 'EXECUTION' || event.status !== 'PENDING') {
        if (
          executionId.value &&
          runStatus.value &&
          !['COMPLETED', 'FAILED', 'CANCELLED'].includes(runStatus.value)
        )
          return;
      }
      follow(event.executionId);
    }
    if (event.kind === 'EXECUTION') {
      runStatus.value = event.status;
      if (event.error) error.value = event.error;
    } else if (event.stepKey) steps.value = { ...steps.value, [event.stepKey]: event.status };
  });
  onBeforeUnmount(() => subscription.unsubscribe());

  function clear(): void {
    executionId.value = null;
    runStatus.value = null;
    steps.value = {};
    error.value = null;
  }

  return { executionId, runStatus, steps, error, follow, clear };
}
