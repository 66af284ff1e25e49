import { useClientHandle } from '@urql/vue';
import { ref, watch } from 'vue';
import { describeError, sentence } from '../../../shared/graphql/errors';
import { ImportFlow, PreviewImport, type ImportOptions, type ImportReport } from './operations';

/** What the person chose in the review; turned into importFlow's options. */
export interface Choices {
  /** When the flow's name is taken: a new flow under `name`, or replace the existing one. */
  clash: 'RENAME' | 'REPLACE';
  name: string;
  /** When a bundled action template's name is used here by a different template. */
  templates: 'RENAME' | 'USE_EXISTING' | 'REPLACE';
  /** Values for left-out secrets, by `secretKey`. */
  secrets: Record<string, string>;
  /** Local names to use for unresolved references, by `referenceKey`. */
  references: Record<string, string>;
}

export const secretKey = (s: { step?: string | null; template?: string | null; field: string }) =>
  `${s.step ?? ''}\u0000${s.template ?? ''}\u0000${s.field}`;
export const referenceKey = (r: { kind: string; name: string }) => `${r.kind}\u0000${r.name}`;

/** The server refuses bundles over 2 000 000 characters; a file that size is not a flow. */
export const MAX_BUNDLE_CHARS = 2_000_000;

// Renaming is the default for both clashes: it changes nothing that exists here.
const emptyChoices = (): Choices => ({
  clash: 'RENAME',
  name: '',
  templates: 'RENAME',
  secrets: {},
  references: {},
});

/**
 * The import's state: a document, the preview report for the current choices (re-checked as they
 * change; nothing is written), and the import itself on confirm.
 */
export function useImport() {
  const { client } = useClientHandle();
  const document = ref('');
  const source = ref('');
  const choices = ref<Choices>(emptyChoices());
  const report = ref<ImportReport | null>(null);
  /** The existing flow whose name the bundle's flow has; kept while the name is being changed. */
  const clash = ref<{ name: string; existingFlowId: string } | null>(null);
  /** Whether a bundled action template clashes with one here (kept once seen, like `clash`). */
  const templateClash = ref(false);
  const checking = ref(false);
  const importing = ref(false);
  const error = ref('');
  const imported = ref<{ id: string; name: string; stepCount: number; report: ImportReport } | null>(null);
  let generation = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Set while the preview itself fills in a choice (the suggested name), which needs no re-check. */
  let filling = false;

  function options(): ImportOptions {
    const c = choices.value;
    const secrets = Object.entries(c.secrets)
      .filter(([, value]) => value !== '')
      .map(([key, value]) => {
        const [step, template, field] = key.split('\u0000') as [string, string, string];
        return { ...(step && { step }), ...(template && { template }), field, value };
      });
    const references = Object.entries(c.references)
      .filter(([, use]) => use.trim() !== '')
      .map(([key, use]) => {
        const [kind, name] = key.split('\u0000') as [string, string];
        return { kind: kind as 'NODE' | 'DEVICE' | 'FLOW', name, use: use.trim() };
      });
    return {
      ...(clash.value && {
        onNameClash: c.clash,
        ...(c.clash === 'RENAME' && c.name.trim() && { name: c.name.trim() }),
      }),
      ...(templateClash.value && { onTemplateClash: c.templates }),
      ...(secrets.length && { secrets }),
      ...(references.length && { references }),
    };
  }

  async function check(): Promise<void> {
    clearTimeout(timer);
    if (!document.value.trim()) return;
    const mine = ++generation;
    checking.value = true;
    error.value = '';
    const result = await client
      .query(
        PreviewImport,
        { document: document.value, options: options() },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    if (mine !== generation) return;
    checking.value = false;
    const reply = result.data?.previewImport;
    if (reply?.__typename !== 'QueryPreviewImportSuccess') {
      error.value = reply && 'message' in reply ? sentence(reply.message) : describeError(result.error);
      return;
    }
    const next = reply.data;
    const newNameClash = !!next.nameClash && !clash.value;
    const newTemplateClash = next.templates.some((t) => t.action === 'CLASH') && !templateClash.value;
    if (newNameClash || newTemplateClash) {
      // A name is taken: propose the default choice (a new name) and ask again with it.
      if (next.nameClash) clash.value = next.nameClash;
      if (newTemplateClash) templateClash.value = true;
      report.value = next;
      return check();
    }
    if (clash.value && choices.value.clash === 'RENAME' && !choices.value.name && next.flowName) {
      filling = true;
      choices.value = { ...choices.value, name: next.flowName };
    }
    report.value = next;
  }

  // Typing a name or a secret re-checks after a pause, not on every key.
  watch(
    choices,
    () => {
      if (filling) {
        filling = false;
        return;
      }
      clearTimeout(timer);
      if (!report.value) return;
      // Import waits for the report of what was just chosen, never acts on the one before.
      checking.value = true;
      timer = setTimeout(() => void check(), 400);
    },
    { deep: true },
  );

  async function load(text: string, from: string): Promise<void> {
    reset();
    if (text.length > MAX_BUNDLE_CHARS) {
      error.value = 'This file is too large to be a flow bundle (over 2 MB).';
      return;
    }
    document.value = text;
    source.value = from;
    await check();
  }

  async function commit(): Promise<boolean> {
    if (importing.value || !report.value?.valid) return false;
    clearTimeout(timer);
    importing.value = true;
    error.value = '';
    const result = await client
      .mutation(ImportFlow, { document: document.value, options: options() })
      .toPromise();
    importing.value = false;
    const reply = result.data?.importFlow;
    if (reply?.__typename === 'MutationImportFlowSuccess') {
      imported.value = { ...reply.data.flow, report: reply.data.report };
      return true;
    }
    if (reply?.__typename === 'ImportRejectedError') report.value = reply.report;
    error.value =
      reply && 'message' in reply
        ? `Nothing was imported: ${reply.message}.`
        : `Nothing was imported. ${describeError(result.error)}`;
    return false;
  }

  function reset(): void {
    clearTimeout(timer);
    generation++;
    document.value = '';
    source.value = '';
    report.value = null;
    clash.value = null;
    templateClash.value = false;
    checking.value = false;
    error.value = '';
    imported.value = null;
    choices.value = emptyChoices();
  }

  return {
    document,
    source,
    choices,
    report,
    clash,
    templateClash,
    checking,
    importing,
    error,
    imported,
    load,
    check,
    commit,
    reset,
  };
}
