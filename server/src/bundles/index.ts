import type { EntityManager } from '@mikro-orm/better-sqlite';
import type { Flow } from '../db/entities/index.js';
import type { ActionTemplateService } from '../flows/action-templates.js';
import type { Author, FlowService } from '../flows/service.js';
import type { StepTypeRegistry } from '../steps/registry.js';
import { exportFlow } from './export.js';
import { serializeBundle, type BundleFormat, type FlowBundle } from './format.js';
import {
  commitImport,
  ImportRejectedError,
  planImport,
  type ImportOptions,
  type ImportReport,
} from './import.js';

export { ImportRejectedError, type ImportOptions, type ImportReport } from './import.js';
export { type BundleFormat, type FlowBundle } from './format.js';

/** Portable flows: export to a YAML or JSON bundle, preview an import, import all or nothing. */
export class BundleService {
  constructor(
    private readonly services: {
      registry: StepTypeRegistry;
      flows: FlowService;
      actionTemplates: ActionTemplateService;
    },
  ) {}

  async export(
    em: EntityManager,
    flowId: string,
    format: BundleFormat,
  ): Promise<{ bundle: FlowBundle; document: string; filename: string }> {
    const bundle = await exportFlow(em, this.services.registry, flowId);
    const slug =
      bundle.flow.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'flow';
    return { bundle, document: serializeBundle(bundle, format), filename: `${slug}.kinflow.${format}` };
  }

  /** Everything importFlow would do, and every problem that would stop it; writes nothing. */
  async preview(
    em: EntityManager,
    input: string | Record<string, unknown>,
    options?: ImportOptions,
  ): Promise<ImportReport> {
    return (await planImport(em, this.services, input, options)).report;
  }

  /** Imports in one transaction; throws ImportRejectedError (with the report) when anything is wrong. */
  async import(
    em: EntityManager,
    input: string | Record<string, unknown>,
    options?: ImportOptions,
    author: Author = null,
  ): Promise<{ flow: Flow; report: ImportReport }> {
    const { report, plan } = await planImport(em, this.services, input, options);
    if (!plan) throw new ImportRejectedError(report);
    const flow = await commitImport(em, this.services, plan, author);
    return { flow, report };
  }
}
