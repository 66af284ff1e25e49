import { newId } from '../db/ids.js';
import { EngineError, MAX_NESTING_DEPTH } from './errors.js';
import type { CompiledGraph } from './graph.js';
import type { Kernel } from './kernel.js';
import { initialData, systemContext, triggerContext } from './pipeline-data.js';
import { chainOf, executionRow } from './recovery.js';
import { runtimeFields, type RunState } from './run-state.js';
import type { FlowRow } from './sqlite.js';
import { MAX_PAYLOAD_CHARS } from './truncate.js';
import type { TriggerInput } from './types.js';

type Parent = Pick<RunState, 'id' | 'flowId' | 'flowName' | 'depth' | 'chain'>;

/**
 * Builds a pending run of the flow's current graph: checks the trigger step and the trigger_flow
 * nesting rules, and assembles the initial pipeline data.
 */
export function createRun(k: Kernel, flow: FlowRow, graph: CompiledGraph, input: TriggerInput): RunState {
  const entry = pickEntry(graph, input);
  const parent = input.parentExecutionId ? parentOf(k, input.parentExecutionId) : null;
  if (parent) checkNesting(parent, flow);
  const now = k.now();
  const payload = input.payload ?? {};
  const payloadJson = JSON.stringify(payload);
  if (payloadJson.length > MAX_PAYLOAD_CHARS) {
    throw new EngineError(
      'payload_too_large',
      `the trigger payload is ${payloadJson.length} characters as JSON; the limit is ${MAX_PAYLOAD_CHARS}`,
    );
  }
  const entryStep = entry === null ? undefined : graph.steps[entry];
  const triggerType = input.triggerType ?? entryStep?.type ?? 'manual';
  const trigger = triggerContext(triggerType, entryStep?.key ?? null, payload, now);
  const vars = k.catalog.runVariables(flow.id);
  return {
    id: newId(),
    flowId: flow.id,
    flowName: flow.name,
    flowVersion: flow.version,
    status: 'pending',
    triggerType,
    triggerStepKey: entryStep?.key ?? null,
    triggerPayload: payload,
    triggerPayloadJson: payloadJson,
    data: initialData(trigger, systemContext(now, k.settings.timezone), vars, payload),
    graph,
    currentStep: null,
    completed: [],
    skipped: [],
    error: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    resumeAt: null,
    waitingFor: null,
    cooloffConsumed: false,
    parentExecutionId: parent?.id ?? null,
    depth: parent ? parent.depth + 1 : 0,
    rerunOf: input.rerunOf ?? null,
    eventSeq: 0,
    createdAt: now.getTime(),
    chain: parent ? [...parent.chain, { id: parent.flowId, name: parent.flowName }] : [],
    inserted: false,
    ...runtimeFields(graph),
  };
}

/** The trigger step that starts the run: the one named, the only one, the one of the given type, or `manual`. */
function pickEntry(graph: CompiledGraph, input: TriggerInput): number | null {
  const flowName = graph.snapshot.flowName;
  if (input.triggerStepKey) {
    const index = graph.index.get(input.triggerStepKey);
    if (index === undefined || !graph.triggers.includes(index)) {
      throw new EngineError(
        'invalid_trigger',
        `flow "${flowName}" has no trigger step "${input.triggerStepKey}"`,
      );
    }
    return index;
  }
  // A flow without trigger steps starts at every step that has no incoming edge.
  if (graph.triggers.length === 0) return null;
  if (graph.triggers.length === 1) return graph.triggers[0]!;
  const ofType = (type: string | undefined) => graph.triggers.filter((i) => graph.steps[i]!.type === type);
  const byType = ofType(input.triggerType);
  if (byType.length === 1) return byType[0]!;
  const manual = ofType('manual');
  if (manual.length === 1) return manual[0]!;
  throw new EngineError(
    'invalid_trigger',
    `flow "${flowName}" has ${graph.triggers.length} triggers; say which one starts the run (triggerStepKey)`,
  );
}

function parentOf(k: Kernel, parentId: string): Parent {
  const active = k.active.get(parentId);
  if (active) return active;
  const row = executionRow(k, parentId);
  if (!row) throw new EngineError('not_found', `no parent run with id "${parentId}"`);
  const chain = chainOf(k, row.parent_execution_id);
  return { id: row.id, flowId: row.flow_id, flowName: row.flow_name ?? row.flow_id, depth: row.depth, chain };
}

/** A→B→A is refused by the chain of flows above the new run; so is a run deeper than the limit. */
function checkNesting(parent: Parent, flow: FlowRow): void {
  const chain = [...parent.chain, { id: parent.flowId, name: parent.flowName }];
  const first = chain.findIndex((entry) => entry.id === flow.id);
  if (first >= 0) {
    const names = [...chain.slice(first).map((entry) => entry.name), flow.name].join(' → ');
    throw new EngineError('cycle', `trigger_flow cycle refused: ${names}`);
  }
  if (parent.depth + 1 > MAX_NESTING_DEPTH) {
    throw new EngineError(
      'nesting_limit',
      `trigger_flow nesting is limited to ${MAX_NESTING_DEPTH} levels; starting "${flow.name}" would be level ${parent.depth + 1}`,
    );
  }
}
