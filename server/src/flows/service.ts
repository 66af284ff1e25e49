import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/better-sqlite';
import {
  Flow,
  FlowActionTemplate,
  FlowEdge,
  FlowStep,
  type ErrorStrategy,
  type RunMode,
} from '../db/entities/index.js';
import type { StepTypeRegistry } from '../steps/registry.js';
import { openSealed, revealPlaceholders, type SecretSealer } from '../crypto/sealed-config.js';
import { sealStepConfig } from './seal-stored.js';
import {
  FlowValidationError,
  NameTakenError,
  NotFoundError,
  VersionConflictError,
  type ValidationIssue,
} from './errors.js';
import { validateGraph, type DraftEdge } from './graph-validation.js';
import { resolveReferences } from './references.js';

export interface FlowSettingsInput {
  name?: string;
  description?: string;
  enabled?: boolean;
  defaultStepTimeoutMs?: number;
  maxExecutions?: number;
  cooloffMinutes?: number;
  runMode?: RunMode;
  maxConcurrentRuns?: number;
}

export interface StepInput {
  /** Id of an existing step, to change its key; otherwise steps are matched by key. */
  id?: string | null;
  key: string;
  type: string;
  config?: Record<string, unknown> | null;
  label?: string | null;
  positionX?: number | null;
  positionY?: number | null;
  enabled?: boolean | null;
  onError?: ErrorStrategy | null;
  retryAttempts?: number | null;
  timeoutMs?: number | null;
  /** Action template whose config this step overrides; null clears it, undefined keeps it. */
  actionTemplateId?: string | null;
}

/** A step as validation sees it: its own config plus the template it overrides. */
interface Draft {
  key: string;
  type: string;
  config?: unknown;
  templateId?: string | null;
}

/** Who is saving, as the display name `Flow.updatedBy` records; null when the server itself saves. */
export type Author = string | null;

export interface GraphInput {
  steps: StepInput[];
  edges: DraftEdge[];
}

/** Extra save-time checks (expressions and templates) supplied by the engine. */
export type GraphChecker = (
  steps: Array<{ key: string; type: string; config: unknown }>,
  edges: DraftEdge[],
) => Array<{ stepKey?: string; field?: string; message: string }>;

export class FlowService {
  private readonly changeListeners = new Set<(flowId: string) => void>();
  /** Ends a flow's runs before it is deleted or once it is disabled; set by the app (the engine). */
  private stopRuns?: (flowId: string) => Promise<() => void>;

  constructor(
    private readonly registry: StepTypeRegistry,
    private readonly extraChecks: GraphChecker[] = [],
    /** Seals secret config values at rest; without it (unit tests) configs are stored as given. */
    private readonly secrets?: SecretSealer,
  ) {}

  /** A step config as validation sees it: stored secrets opened, `{"$secret":"set"}` resolved. */
  private revealed(config: unknown, stored?: unknown): Record<string, unknown> {
    const own = (config ?? {}) as Record<string, unknown>;
    return this.secrets ? revealPlaceholders(own, stored, this.secrets) : own;
  }

  private revealedDrafts(steps: StepInput[], existing: FlowStep[]): Draft[] {
    return steps.map((step) => ({
      ...draftOf(step),
      config: this.revealed(step.config, existing.find((saved) => saved.key === step.key)?.config),
    }));
  }

  /**
   * Called after a flow's settings or graph were committed (or it was deleted), so in-memory indexes
   * such as the trigger runtime's re-read it. Listener failures never fail the save.
   */
  onChange(listener: (flowId: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** `stop` cancels the flow's runs, refuses new ones until the returned release is called, and resolves once that is committed. */
  stopRunsWith(stop: (flowId: string) => Promise<() => void>): void {
    this.stopRuns = stop;
  }

  private changed<T extends { id: string }>(flow: T): T {
    for (const listener of this.changeListeners) {
      try {
        listener(flow.id);
      } catch (error) {
        console.error('flow change listener failed:', error);
      }
    }
    return flow;
  }

  async get(em: EntityManager, id: string): Promise<Flow> {
    const flow = await em.findOne(Flow, { id });
    if (!flow) throw new NotFoundError('flow', id);
    return flow;
  }

  async create(
    em: EntityManager,
    settings: FlowSettingsInput & { name: string },
    graph?: GraphInput,
    author: Author = null,
  ): Promise<Flow> {
    this.checkSettings(settings);
    const draft = graph
      ? await this.validate(em, this.revealedDrafts(graph.steps, []), graph.edges)
      : undefined;
    const flow = await this.writing(settings.name, () =>
      em.transactional(async (tx) => {
        const flow = tx.create(Flow, {
          ...definedOnly(settings),
          name: settings.name.trim(),
          updatedBy: author,
        });
        if (draft && graph) this.writeGraph(tx, flow, [], graph.steps, graph.edges, draft);
        return flow;
      }),
    );
    return this.changed(flow);
  }

  /** Changes settings; when a graph is given, replaces the whole graph as one versioned save. */
  async update(
    em: EntityManager,
    id: string,
    settings: FlowSettingsInput,
    graph?: GraphInput & { expectedVersion: number },
    author: Author = null,
  ): Promise<Flow> {
    this.checkSettings(settings);
    const updated = await this.writing(settings.name, () =>
      em.transactional(async (tx) => {
        const flow = await this.get(tx, id);
        if (graph) {
          this.checkVersion(flow, graph.expectedVersion);
          const existing = await tx.find(FlowStep, { flow });
          const draft = await this.validate(tx, this.revealedDrafts(graph.steps, existing), graph.edges);
          await tx.nativeDelete(FlowEdge, { flow });
          this.writeGraph(tx, flow, existing, graph.steps, graph.edges, draft, true);
          flow.version += 1;
        }
        tx.assign(flow, definedOnly({ ...settings, name: settings.name?.trim() }));
        flow.updatedBy = author;
        // A settings-only change must move updatedAt too, or "saved by … ago" names the wrong moment.
        flow.updatedAt = new Date();
        return flow;
      }),
    );
    // Disabling stops what runs (as turning off a Home Assistant automation stops its actions).
    if (settings.enabled === false) (await this.stopRuns?.(id))?.();
    return this.changed(updated);
  }

  async delete(em: EntityManager, id: string): Promise<void> {
    // Its runs end first (cancelled, committed), so nothing of the flow writes after the delete.
    const release = await this.stopRuns?.(id);
    let deleted: number;
    try {
      deleted = await em.nativeDelete(Flow, { id });
    } finally {
      release?.();
    }
    if (deleted === 0) throw new NotFoundError('flow', id);
    this.changed({ id });
  }

  /** Creates and updates the given steps and deletes the named ones, in one versioned save. */
  async saveSteps(
    em: EntityManager,
    id: string,
    expectedVersion: number,
    upserts: StepInput[],
    deleteKeys: string[],
    author: Author = null,
  ): Promise<Flow> {
    return em
      .transactional(async (tx) => {
        const flow = await this.get(tx, id);
        this.checkVersion(flow, expectedVersion);
        const existing = await tx.find(FlowStep, { flow });
        const edges = await tx.find(FlowEdge, { flow }, { populate: ['source', 'target'] });
        const byId = new Map(existing.map((step) => [step.id, step]));
        const renamed = new Map<string, string>();
        for (const input of upserts) {
          const previous = input.id ? byId.get(input.id) : undefined;
          if (input.id && !previous) throw new NotFoundError('step', input.id);
          if (previous && previous.key !== input.key) renamed.set(previous.key, input.key);
        }
        const deleted = new Set(deleteKeys);
        const upsertKeys = new Set(upserts.map((step) => step.key));
        const kept = existing
          .filter((step) => !deleted.has(step.key) && !renamed.has(step.key) && !upsertKeys.has(step.key))
          .map(savedDraft)
          .map((step) => ({ ...step, config: this.revealed(step.config) }));
        const resulting = [...kept, ...upserts.map((step) => this.mergedDraft(step, existing))];
        const resultingEdges = edges
          .map((edge) => ({
            source: renamed.get(edge.source.key) ?? edge.source.key,
            sourcePort: edge.sourcePort,
            target: renamed.get(edge.target.key) ?? edge.target.key,
          }))
          .filter((edge) => !deleted.has(edge.source) && !deleted.has(edge.target));
        const unknownDeletes = deleteKeys.filter((key) => !existing.some((step) => step.key === key));
        if (unknownDeletes.length) throw new NotFoundError('step', unknownDeletes.join(', '));
        const draft = await this.validate(tx, resulting, resultingEdges);
        const toDelete = existing.filter((step) => deleted.has(step.key));
        for (const step of toDelete) tx.remove(step);
        // Renames go through a temporary key so two steps can swap keys without tripping the unique index.
        for (const [oldKey] of renamed) {
          const step = existing.find((candidate) => candidate.key === oldKey)!;
          step.key = `__renaming_${step.id}`;
        }
        if (renamed.size) await tx.flush();
        for (const input of upserts) {
          const target =
            (input.id ? byId.get(input.id) : undefined) ??
            existing.find((step) => step.key === input.key && !deleted.has(step.key));
          this.applyStep(tx, flow, target, input, draft.get(input.key));
        }
        this.bump(flow, author);
        return flow;
      })
      .then((flow) => this.changed(flow));
  }

  /** Canvas positions are layout, not graph: they need no version and do not bump it. */
  async savePositions(
    em: EntityManager,
    id: string,
    positions: Array<{ key: string; x: number; y: number }>,
  ): Promise<Flow> {
    return em.transactional(async (tx) => {
      const flow = await this.get(tx, id);
      const steps = await tx.find(FlowStep, { flow, key: { $in: positions.map((p) => p.key) } });
      const missing = positions.filter((p) => !steps.some((step) => step.key === p.key));
      if (missing.length) throw new NotFoundError('step', missing.map((p) => p.key).join(', '));
      for (const position of positions) {
        if (!Number.isFinite(position.x) || !Number.isFinite(position.y)) {
          throw new FlowValidationError([
            {
              code: 'invalid_field',
              stepKey: position.key,
              field: 'position',
              message: `position of "${position.key}" must be finite numbers`,
            },
          ]);
        }
        tx.assign(
          steps.find((step) => step.key === position.key)!,
          { positionX: position.x, positionY: position.y },
        );
      }
      return flow;
    });
  }

  /** Replaces every edge of the flow at once. */
  async replaceEdges(
    em: EntityManager,
    id: string,
    expectedVersion: number,
    edges: DraftEdge[],
    author: Author = null,
  ): Promise<Flow> {
    return em
      .transactional(async (tx) => {
        const flow = await this.get(tx, id);
        this.checkVersion(flow, expectedVersion);
        const steps = await tx.find(FlowStep, { flow });
        await this.validate(tx, steps.map(savedDraft), edges);
        await tx.nativeDelete(FlowEdge, { flow });
        createEdges(tx, flow, new Map(steps.map((step) => [step.key, step])), edges);
        this.bump(flow, author);
        return flow;
      })
      .then((flow) => this.changed(flow));
  }

  /** Validates the saved graph as it stands (for flows saved before a rule existed, or an editor's check). */
  async validateSaved(em: EntityManager, id: string) {
    const flow = await this.get(em, id);
    const steps = await em.find(FlowStep, { flow });
    const edges = await em.find(FlowEdge, { flow }, { populate: ['source', 'target'] });
    const drafts = steps.map(savedDraft);
    const edgeDrafts = edges.map((edge) => ({
      source: edge.source.key,
      sourcePort: edge.sourcePort,
      target: edge.target.key,
    }));
    try {
      await this.validate(em, drafts, edgeDrafts);
      return [];
    } catch (error) {
      if (error instanceof FlowValidationError) return error.issues;
      throw error;
    }
  }

  /** The problems a graph would have if it were saved now; writes nothing (bundle import previews). */
  async check(em: EntityManager, graph: GraphInput): Promise<ValidationIssue[]> {
    try {
      // A reused template's config arrives sealed (bundle import); validation sees it opened.
      const drafts = graph.steps.map((step) => ({ ...draftOf(step), config: this.revealed(step.config) }));
      await this.validate(em, drafts, graph.edges);
      return [];
    } catch (error) {
      if (error instanceof FlowValidationError) return error.issues;
      throw error;
    }
  }

  /**
   * Validates the graph as it would be after a save and returns the config to store per step:
   * the parsed config (defaults filled in), or for a step that overrides an action template only
   * its own overrides, so later template changes still reach it.
   */
  private async validate(
    em: EntityManager,
    given: Draft[],
    edges: DraftEdge[],
  ): Promise<Map<string, unknown>> {
    // References (nodes, flows, tablets) are resolved first, so every later check sees stored form.
    const { drafts: steps, issues: referenceIssues } = await resolveReferences(em, this.registry, given);
    const templateIds = [...new Set(steps.map((step) => step.templateId).filter((id): id is string => !!id))];
    const templates = new Map(
      (templateIds.length ? await em.find(FlowActionTemplate, { id: { $in: templateIds } }) : []).map((t) => [
        t.id,
        t,
      ]),
    );
    const templateIssues: ValidationIssue[] = [];
    const drafts = steps.map((step) => {
      const own = (step.config ?? {}) as Record<string, unknown>;
      if (!step.templateId) return { key: step.key, type: step.type, config: own };
      const template = templates.get(step.templateId);
      if (!template || template.type !== step.type) {
        templateIssues.push({
          code: 'unknown_template',
          stepKey: step.key,
          field: 'actionTemplateId',
          message: template
            ? `step "${step.key}" is a ${step.type} but template "${template.name}" is a ${template.type}`
            : `step "${step.key}" refers to an action template that does not exist`,
        });
        return { key: step.key, type: step.type, config: own };
      }
      const base = this.secrets ? openSealed(template.config, this.secrets) : template.config;
      return { key: step.key, type: step.type, config: { ...base, ...own } };
    });
    const { issues, configs } = validateGraph(drafts, edges, this.registry);
    issues.unshift(...templateIssues);
    issues.push(...referenceIssues);
    if (issues.length === 0) {
      const withParsed = drafts.map((step) => ({ ...step, config: configs.get(step.key) ?? step.config }));
      for (const check of this.extraChecks) {
        for (const problem of check(withParsed, edges))
          issues.push({ code: 'invalid_expression', ...problem });
      }
    }
    if (issues.length) throw new FlowValidationError(issues);
    for (const step of steps) if (step.templateId) configs.set(step.key, step.config ?? {});
    return configs;
  }

  private mergedDraft(input: StepInput, existing: FlowStep[]): Draft {
    const previous = existing.find((step) => (input.id ? step.id === input.id : step.key === input.key));
    return {
      key: input.key,
      type: input.type,
      config: this.revealed(input.config ?? previous?.config, previous?.config),
      templateId:
        input.actionTemplateId !== undefined ? input.actionTemplateId : previous?.actionTemplate?.id,
    };
  }

  private writeGraph(
    tx: EntityManager,
    flow: Flow,
    existing: FlowStep[],
    steps: StepInput[],
    edges: DraftEdge[],
    configs: Map<string, unknown>,
    removeMissing = false,
  ): void {
    const byKey = new Map<string, FlowStep>();
    for (const input of steps) {
      const previous = existing.find((step) => step.key === input.key);
      byKey.set(input.key, this.applyStep(tx, flow, previous, input, configs.get(input.key)));
    }
    if (removeMissing) for (const step of existing) if (!byKey.has(step.key)) tx.remove(step);
    createEdges(tx, flow, byKey, edges);
  }

  private applyStep(
    tx: EntityManager,
    flow: Flow,
    target: FlowStep | undefined,
    input: StepInput,
    config: unknown,
  ): FlowStep {
    const plain = (config ?? input.config ?? {}) as Record<string, unknown>;
    const values = definedOnly({
      key: input.key,
      type: input.type,
      config: this.secrets ? sealStepConfig(this.registry, input.type, plain, this.secrets) : plain,
      label: input.label,
      positionX: input.positionX,
      positionY: input.positionY,
      enabled: input.enabled,
      onError: input.onError,
      retryAttempts: input.retryAttempts,
      timeoutMs: input.timeoutMs,
    });
    if (input.actionTemplateId !== undefined) {
      Object.assign(values, {
        actionTemplate: input.actionTemplateId
          ? tx.getReference(FlowActionTemplate, input.actionTemplateId)
          : null,
      });
    }
    if (target) return tx.assign(target, values);
    return tx.create(FlowStep, { flow, ...values } as never);
  }

  /** A graph change: a new version, stamped with who made it and when. */
  private bump(flow: Flow, author: Author): void {
    flow.version += 1;
    flow.updatedBy = author;
    flow.updatedAt = new Date();
  }

  private checkVersion(flow: Flow, expectedVersion: number): void {
    if (flow.version !== expectedVersion) throw new VersionConflictError(expectedVersion, flow.version);
  }

  private checkSettings(settings: FlowSettingsInput): void {
    const issues: Array<{ field: string; message: string }> = [];
    if (settings.name !== undefined && !settings.name.trim())
      issues.push({ field: 'name', message: 'name must not be empty' });
    if (settings.name !== undefined && settings.name.length > 120)
      issues.push({ field: 'name', message: 'name is longer than 120 characters' });
    const positive = ['defaultStepTimeoutMs', 'maxExecutions', 'maxConcurrentRuns'] as const;
    for (const field of positive) {
      const value = settings[field];
      if (value !== undefined && (!Number.isInteger(value) || value < 1))
        issues.push({ field, message: `${field} must be a positive integer` });
    }
    if (settings.cooloffMinutes !== undefined && !(settings.cooloffMinutes >= 0)) {
      issues.push({ field: 'cooloffMinutes', message: 'cooloffMinutes must be zero or more' });
    }
    if (issues.length) {
      throw new FlowValidationError(
        issues.map((issue) => ({ code: 'invalid_field', field: issue.field, message: issue.message })),
      );
    }
  }

  private async writing<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException && name !== undefined)
        throw new NameTakenError(name.trim());
      throw error;
    }
  }
}

function definedOnly<T extends object>(values: T): { [K in keyof T]: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined && value !== null),
  ) as never;
}

const draftOf = (step: StepInput): Draft => ({
  key: step.key,
  type: step.type,
  config: step.config ?? {},
  templateId: step.actionTemplateId,
});

const savedDraft = (step: FlowStep): Draft => ({
  key: step.key,
  type: step.type,
  config: step.config,
  templateId: step.actionTemplate?.id,
});

/** Edges are stored between step rows; the graph was validated, so every key resolves. */
function createEdges(tx: EntityManager, flow: Flow, byKey: Map<string, FlowStep>, edges: DraftEdge[]): void {
  for (const edge of edges) {
    tx.create(FlowEdge, {
      flow,
      source: byKey.get(edge.source)!,
      sourcePort: edge.sourcePort,
      target: byKey.get(edge.target)!,
    });
  }
}
