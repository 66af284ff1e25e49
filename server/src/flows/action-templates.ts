import type { EntityManager } from '@mikro-orm/better-sqlite';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { openSealed, revealPlaceholders, type SecretSealer } from '../crypto/sealed-config.js';
import { FlowActionTemplate, FlowStep } from '../db/entities/index.js';
import type { StepTypeRegistry } from '../steps/registry.js';
import { sealStepConfig } from './seal-stored.js';
import { FlowValidationError, NameTakenError, NotFoundError, type ValidationIssue } from './errors.js';
import { resolveReferences } from './references.js';

export class TemplateInUseError extends Error {
  override name = 'TemplateInUseError';
  constructor(
    readonly templateName: string,
    readonly stepCount: number,
  ) {
    super(`action template "${templateName}" is used by ${stepCount} step(s); point them elsewhere first`);
  }
}

export interface TemplateInput {
  name?: string;
  type?: string;
  description?: string;
  config?: Record<string, unknown>;
}

/**
 * Reusable action configs (HALO's flow_action_templates). A template must be a valid config on its
 * own; steps that reference it store only their overrides, so a template change reaches them all.
 */
export class ActionTemplateService {
  constructor(
    private readonly registry: StepTypeRegistry,
    /** Seals secret config values (a webhook URL) at rest, as step configs are; none in unit tests. */
    private readonly secrets?: SecretSealer,
  ) {}

  /** A template config as validation sees it: stored secrets opened, `{"$secret":"set"}` resolved. */
  private revealed(config: Record<string, unknown>, stored?: unknown): Record<string, unknown> {
    return this.secrets ? revealPlaceholders(config, stored, this.secrets) : config;
  }

  private sealed(type: string, config: Record<string, unknown>): Record<string, unknown> {
    return this.secrets ? sealStepConfig(this.registry, type, config, this.secrets) : config;
  }

  /** A stored template config with its secrets opened (comparing a bundle's template with it). */
  opened(config: Record<string, unknown>): Record<string, unknown> {
    return this.secrets ? openSealed(config, this.secrets) : config;
  }

  async create(em: EntityManager, input: Required<Pick<TemplateInput, 'name' | 'type'>> & TemplateInput) {
    const plain = this.revealed(input.config ?? {});
    const config = this.sealed(
      input.type,
      await this.withReferences(em, input.type, this.check(input.type, plain)),
    );
    return this.named(input.name, async () => {
      const template = em.create(FlowActionTemplate, {
        name: input.name.trim(),
        type: input.type,
        description: input.description ?? '',
        config,
      });
      await em.flush();
      return template;
    });
  }

  async update(em: EntityManager, id: string, input: TemplateInput) {
    const template = await em.findOne(FlowActionTemplate, { id });
    if (!template) throw new NotFoundError('action template', id);
    if (input.type && input.type !== template.type && (await this.usage(em, id)) > 0) {
      throw new FlowValidationError([
        { code: 'invalid_field', field: 'type', message: 'the type of a template in use cannot change' },
      ]);
    }
    const type = input.type ?? template.type;
    const plain =
      input.config !== undefined
        ? this.revealed(input.config, template.config)
        : this.revealed(template.config);
    const config =
      input.config !== undefined || input.type
        ? this.sealed(type, await this.withReferences(em, type, this.check(type, plain)))
        : undefined;
    return this.named(input.name, async () => {
      em.assign(template, {
        ...(input.name !== undefined && { name: input.name.trim() }),
        ...(input.description !== undefined && { description: input.description }),
        type,
        ...(config && { config }),
      });
      await em.flush();
      return template;
    });
  }

  async delete(em: EntityManager, id: string): Promise<void> {
    const template = await em.findOne(FlowActionTemplate, { id });
    if (!template) throw new NotFoundError('action template', id);
    const used = await this.usage(em, id);
    if (used > 0) throw new TemplateInUseError(template.name, used);
    await em.nativeDelete(FlowActionTemplate, { id });
  }

  private usage(em: EntityManager, id: string): Promise<number> {
    return em.count(FlowStep, { actionTemplate: id });
  }

  private check(type: string, config: Record<string, unknown>): Record<string, unknown> {
    const definition = this.registry.get(type);
    const issues: ValidationIssue[] = [];
    if (!definition || definition.category === 'trigger') {
      issues.push({
        code: 'unknown_step_type',
        field: 'type',
        message: `"${type}" is not an action step type`,
      });
      throw new FlowValidationError(issues);
    }
    const parsed = definition.configSchema.safeParse(config);
    if (!parsed.success) {
      for (const problem of parsed.error.issues) {
        const field = ['config', ...problem.path.map(String)].join('.');
        issues.push({ code: 'invalid_config', field, message: `${field}: ${problem.message}` });
      }
      throw new FlowValidationError(issues);
    }
    return config;
  }

  /** Node, flow and tablet references in a template resolve like a step's (flows/references.ts). */
  private async withReferences(
    em: EntityManager,
    type: string,
    config: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const { drafts, issues } = await resolveReferences(em, this.registry, [
      { key: 'template', type, config },
    ]);
    if (issues.length) {
      throw new FlowValidationError(
        issues.map(({ stepKey: _step, message, ...issue }) => ({
          ...issue,
          message: message.replace(/^step "template": /, ''),
        })),
      );
    }
    return drafts[0]!.config as Record<string, unknown>;
  }

  private async named<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException && name)
        throw new NameTakenError(name.trim(), 'action template');
      throw error;
    }
  }
}
