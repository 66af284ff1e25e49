import { encodeGlobalID, resolveArrayConnection } from '@pothos/plugin-relay';
import { renderSVG } from 'uqr';
import { z } from 'zod';
import {
  createPairing,
  exchangePairing,
  loadCard,
  pairingLink,
  renderCardBody,
  revokeDevice,
  targets,
  type DeliveryReport,
  type DeliveryView,
  type FeedMessage,
  type PromptAnswerView,
  type PromptView,
  type TabletInfo,
} from '../care/index.js';
import { Device, InfoCard } from '../db/entities/index.js';
import type { Device as DeviceRow, InfoCard as InfoCardRow } from '../db/entities/index.js';
import { rawDatabase } from '../engine/sqlite.js';
import { NotFoundError } from '../flows/errors.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { NeedsAttentionRef } from './attention.js';
import { DeviceRef } from './identity.js';
import { ErrorInterface } from './errors.js';
import { InputValidationError } from './input-validation.js';

const values = <T extends string>(list: readonly T[], describe: Record<T, string>) =>
  Object.fromEntries(list.map((value) => [value.toUpperCase(), { value, description: describe[value] }]));

// ---- errors -------------------------------------------------------------------------------------

/** Someone answered first; carries the answer that won. */
export class PromptAlreadyAnsweredError extends Error {
  override name = 'PromptAlreadyAnsweredError';
  readonly code = 'PROMPT_ALREADY_ANSWERED';
  constructor(readonly prompt: PromptView) {
    const answer = prompt.answer!;
    const words = answer.action === 'escalate' ? prompt.escalateText : prompt.dismissText;
    super(`Already answered: “${words}”${answer.byName ? ` (${answer.byName})` : ''}.`);
  }
}

/** The countdown ran out (or the run was cancelled) before this answer arrived. */
export class PromptExpiredError extends Error {
  override name = 'PromptExpiredError';
  readonly code = 'PROMPT_EXPIRED';
  constructor(readonly prompt: PromptView) {
    super(
      prompt.status === 'cancelled' ? 'This check-in was withdrawn.' : 'This check-in has already ended.',
    );
  }
}

/** The pairing code is unknown, already used, expired, or its tablet was revoked. */
export class PairingCodeError extends Error {
  override name = 'PairingCodeError';
  readonly code = 'PAIRING_CODE_INVALID';
  constructor(readonly reason: 'unknown' | 'used' | 'expired' | 'revoked') {
    super(
      {
        unknown: 'This pairing code is not known. Ask for a new one.',
        used: 'This pairing code was already used. Ask for a new one.',
        expired: 'This pairing code has expired (codes last 10 minutes). Ask for a new one.',
        revoked: 'This tablet was removed. Ask for it to be added again.',
      }[reason],
    );
  }
}

// ---- enums --------------------------------------------------------------------------------------

const PromptActionEnum = builder.enumType('PromptAction', {
  description: 'The two answers of a check-in prompt.',
  values: values(['escalate', 'dismiss'] as const, {
    escalate: 'The senior needs help (the escalate button).',
    dismiss: 'The senior is okay (the dismiss button).',
  }),
});

const PromptStatusEnum = builder.enumType('PromptStatus', {
  description: 'Where a prompt stands.',
  values: values(['open', 'answered', 'timeout', 'cancelled'] as const, {
    open: 'Waiting for an answer.',
    answered: 'Answered before the deadline.',
    timeout: 'Nobody answered in time.',
    cancelled: 'Withdrawn: its run was cancelled or ended.',
  }),
});

const AnswerViaEnum = builder.enumType('PromptAnswerChannel', {
  description: 'How an answer arrived.',
  values: values(['tablet', 'caregiver', 'api'] as const, {
    tablet: 'Tapped on a tablet.',
    caregiver: 'Given by a caregiver on the senior’s behalf.',
    api: 'Sent by an app with an API key (a voice assistant).',
  }),
});

const DeliveryKindEnum = builder.enumType('TabletDeliveryKind', {
  description: 'What a delivery to tablets is.',
  values: values(['announcement', 'popup', 'card'] as const, {
    announcement: 'Spoken aloud and shown as a caption.',
    popup: 'Shown as a caption, not spoken.',
    card: 'An info card shown full screen.',
  }),
});

const ReportStatusEnum = builder.enumType('DeliveryReportStatus', {
  description: 'What a tablet reports about a delivery.',
  values: values(['spoken', 'failed', 'shown', 'dismissed'] as const, {
    spoken: 'The announcement was spoken aloud.',
    failed: 'It could not be spoken or shown (see reason).',
    shown: 'It is on screen.',
    dismissed: 'The card or caption was closed (by the senior or its timer).',
  }),
});

const FeedKindEnum = builder.enumType('DeviceFeedKind', {
  description: 'What a device feed message is about.',
  values: values(
    ['snapshot', 'prompt_opened', 'prompt_closed', 'delivery', 'withdrawn', 'device_updated'] as const,
    {
      snapshot: 'The first message: the tablet’s whole current state.',
      prompt_opened: 'A prompt appeared.',
      prompt_closed: 'A prompt was answered or timed out.',
      delivery: 'An announcement, popup or card arrived or changed.',
      withdrawn: 'A prompt was withdrawn (its run was cancelled).',
      device_updated: 'The tablet’s settings changed.',
    },
  ),
});

// ---- objects ------------------------------------------------------------------------------------

const PromptAnswerRef = builder.objectRef<PromptAnswerView>('PromptAnswer').implement({
  description: 'The answer that a prompt got.',
  fields: (t) => ({
    action: t.field({ type: PromptActionEnum, description: 'Which button.', resolve: (a) => a.action }),
    answerId: t.exposeString('answerId', { description: 'The client-made id of this answer.' }),
    via: t.field({ type: AnswerViaEnum, description: 'How it arrived.', resolve: (a) => a.via }),
    byName: t.exposeString('byName', {
      nullable: true,
      description: 'Who answered: the tablet, the caregiver or the app.',
    }),
    at: t.field({ type: 'DateTime', description: 'When it was recorded.', resolve: (a) => a.at }),
  }),
});

export const PromptRef = builder.node(builder.objectRef<PromptView>('Prompt'), {
  description: 'A check-in prompt on the senior’s tablet, from an `interactive_prompt` step.',
  id: { resolve: (prompt) => prompt.id },
  // A voice assistant with only the respond scope reads the prompt it answers.
  authScopes: { $any: { read: true, device: true, respond: true } },
  loadOne: (id, { services }) => services.care.prompts.get(String(id)) ?? null,
  fields: (t) => ({
    message: t.exposeString('message', { description: 'The text on screen.' }),
    voiceMessage: t.exposeString('voiceMessage', {
      nullable: true,
      description: 'The text spoken aloud (the message when null).',
    }),
    escalateText: t.exposeString('escalateText', { description: 'Label of the help button.' }),
    dismissText: t.exposeString('dismissText', { description: 'Label of the okay button.' }),
    countdownSeconds: t.exposeInt('countdownSeconds', { description: 'Length of the countdown.' }),
    timeoutAction: t.field({
      type: PromptActionEnum,
      description: 'What happens when nobody answers.',
      resolve: (p) => p.timeoutAction,
    }),
    status: t.field({ type: PromptStatusEnum, description: 'Where it stands.', resolve: (p) => p.status }),
    expiresAt: t.field({ type: 'DateTime', description: 'The deadline.', resolve: (p) => p.expiresAt }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was asked.', resolve: (p) => p.createdAt }),
    room: t.exposeString('room', {
      nullable: true,
      description: 'Room it was asked in (when targeted by room).',
    }),
    device: t.field({
      type: DeviceRef,
      nullable: true,
      description: 'The one tablet it was asked on (null: by room or every tablet).',
      resolve: (p, _a, { em }) => (p.deviceId ? em.findOne(Device, { id: p.deviceId }) : null),
    }),
    executionId: t.id({
      nullable: true,
      description: 'Global ID of the run waiting for it.',
      resolve: (p) => (p.executionId ? encodeGlobalID('FlowExecution', p.executionId) : null),
    }),
    stepKey: t.exposeString('stepKey', { nullable: true, description: 'The step that asked.' }),
    answer: t.field({
      type: PromptAnswerRef,
      nullable: true,
      description: 'The answer, once there is one.',
      resolve: (p) => p.answer,
    }),
  }),
});

export const InfoCardRef = builder.node(builder.objectRef<InfoCardRow>('InfoCard'), {
  description: 'Curated content for the senior: a title, short text and an optional picture.',
  id: { resolve: (card) => card.id },
  authScopes: { $any: { read: true, device: true } },
  loadMany: (ids, { em }) => em.find(InfoCard, { id: { $in: ids as string[] } }),
  fields: (t) => ({
    title: t.exposeString('title', { description: 'Headline.' }),
    body: t.exposeString('body', {
      description: 'Text in the safe Markdown subset (no HTML, links or images).',
    }),
    bodyHtml: t.string({
      description: 'The body rendered to HTML; raw HTML in the source is shown as text.',
      resolve: (card) => renderCardBody(card.body),
    }),
    imageUrl: t.string({
      nullable: true,
      description: 'Where the uploaded picture is served from.',
      resolve: (card) => (card.imageUrl ? `/media/cards/${card.imageUrl}` : null),
    }),
    imageAlt: t.exposeString('imageAlt', { nullable: true, description: 'Text alternative of the picture.' }),
    approved: t.exposeBoolean('approved', { description: 'Only approved cards can be delivered.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

const DeliveryReportRef = builder
  .objectRef<DeliveryReport & { deviceId: string }>('DeliveryReport')
  .implement({
    description: 'One tablet’s report on a delivery.',
    fields: (t) => ({
      deviceId: t.id({
        description: 'Global ID of the tablet.',
        resolve: (r) => encodeGlobalID('Device', r.deviceId),
      }),
      deviceName: t.string({
        nullable: true,
        description: 'Name of the tablet.',
        resolve: (r) => r.deviceName ?? null,
      }),
      status: t.field({ type: ReportStatusEnum, description: 'What it reported.', resolve: (r) => r.status }),
      reason: t.string({ nullable: true, description: 'Why it failed.', resolve: (r) => r.reason ?? null }),
      at: t.field({ type: 'DateTime', description: 'When.', resolve: (r) => new Date(r.at) }),
    }),
  });

export const TabletDeliveryRef = builder.node(builder.objectRef<DeliveryView>('TabletDelivery'), {
  description: 'An announcement, popup or info card a flow sent to tablets.',
  id: { resolve: (d) => d.id },
  authScopes: { $any: { read: true, device: true } },
  loadOne: (id, { services }) => services.care.deliveries.get(String(id)) ?? null,
  fields: (t) => ({
    kind: t.field({ type: DeliveryKindEnum, description: 'What it is.', resolve: (d) => d.kind }),
    text: t.string({
      nullable: true,
      description: 'What to say or show (announcements and popups).',
      resolve: (d) => (typeof d.payload.text === 'string' ? d.payload.text : null),
    }),
    rate: t.float({
      nullable: true,
      description: 'Speaking rate for this announcement; the tablet’s own rate when null.',
      resolve: (d) => (typeof d.payload.rate === 'number' ? d.payload.rate : null),
    }),
    dismissSeconds: t.int({
      nullable: true,
      description: 'Cards and popups close themselves after this many seconds.',
      resolve: (d) => (typeof d.payload.dismissSeconds === 'number' ? d.payload.dismissSeconds : null),
    }),
    card: t.field({
      type: InfoCardRef,
      nullable: true,
      description: 'The info card (cards only).',
      resolve: (d, _a, { em }) =>
        typeof d.payload.cardId === 'string' ? em.findOne(InfoCard, { id: d.payload.cardId }) : null,
    }),
    room: t.exposeString('room', { nullable: true, description: 'Room it was sent to.' }),
    executionId: t.id({
      nullable: true,
      description: 'Global ID of the run that sent it.',
      resolve: (d) => (d.executionId ? encodeGlobalID('FlowExecution', d.executionId) : null),
    }),
    reports: t.field({
      type: [DeliveryReportRef],
      description: 'What each tablet reported.',
      resolve: (d) => Object.entries(d.reports).map(([deviceId, report]) => ({ deviceId, ...report })),
    }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'It applies until then.',
      resolve: (d) => d.expiresAt,
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was sent.', resolve: (d) => d.createdAt }),
  }),
});

builder.objectFields(DeviceRef, (t) => ({
  locale: t.exposeString('locale', { description: 'BCP 47 language tag it speaks and formats dates in.' }),
  voiceName: t.exposeString('voiceName', {
    nullable: true,
    description: 'Preferred speech voice (by name); the locale’s default when null.',
  }),
  voiceRate: t.exposeFloat('voiceRate', { description: 'Speaking rate (1 is normal).' }),
  online: t.boolean({
    description: 'Whether it has a live connection right now.',
    resolve: (device, _a, { services }) => services.care.connections.online(device.id),
  }),
  revokedAt: t.expose('revokedAt', {
    type: 'DateTime',
    nullable: true,
    description: 'When it was revoked; a revoked tablet cannot connect.',
  }),
}));

const TabletSettingsRef = builder.objectRef<TabletInfo>('TabletSettings').implement({
  description: 'What a tablet needs to know about itself.',
  fields: (t) => ({
    id: t.id({ description: 'Global ID of the tablet.', resolve: (d) => encodeGlobalID('Device', d.id) }),
    name: t.exposeString('name', { description: 'Display name.' }),
    room: t.exposeString('room', { nullable: true, description: 'Room.' }),
    person: t.exposeString('person', { nullable: true, description: 'Person it is for.' }),
    locale: t.exposeString('locale', { description: 'BCP 47 language tag.' }),
    voiceName: t.exposeString('voiceName', { nullable: true, description: 'Preferred voice.' }),
    voiceRate: t.exposeFloat('voiceRate', { description: 'Speaking rate.' }),
  }),
});

const FeedMessageRef = builder.objectRef<FeedMessage>('DeviceFeedMessage').implement({
  description: 'A device feed message: what changed, and the tablet’s whole state after the change.',
  fields: (t) => ({
    kind: t.field({ type: FeedKindEnum, description: 'What changed.', resolve: (m) => m.kind }),
    itemId: t.id({
      nullable: true,
      description: 'Global ID of the prompt or delivery that changed.',
      resolve: (m) =>
        m.itemId
          ? encodeGlobalID(
              m.prompts.some((p) => p.id === m.itemId) ||
                m.kind.startsWith('prompt') ||
                m.kind === 'withdrawn'
                ? 'Prompt'
                : 'TabletDelivery',
              m.itemId,
            )
          : null,
    }),
    device: t.field({ type: TabletSettingsRef, description: 'The tablet itself.', resolve: (m) => m.device }),
    prompts: t.field({
      type: [PromptRef],
      description: 'Open prompts for this tablet.',
      resolve: (m) => m.prompts,
    }),
    deliveries: t.field({
      type: [TabletDeliveryRef],
      description: 'Announcements, popups and cards still within their validity.',
      resolve: (m) => m.deliveries,
    }),
    serverTime: t.field({
      type: 'DateTime',
      description: 'The server’s clock, so a tablet with a wrong clock still counts down right.',
      resolve: (m) => m.at,
    }),
  }),
});

const DevicePairingRef = builder
  .objectRef<{ code: string; url: string; expiresAt: Date; device: DeviceRow }>('DevicePairing')
  .implement({
    description: 'A single-use code (valid 10 minutes) that pairs a tablet without typing its token.',
    fields: (t) => ({
      code: t.exposeString('code', { description: 'The code, e.g. "K7QF-M2XP".' }),
      url: t.exposeString('url', { description: 'The link the tablet opens; it carries the code.' }),
      qrSvg: t.string({
        description: 'The link as a QR code (SVG markup).',
        resolve: (p) => renderSVG(p.url),
      }),
      expiresAt: t.field({
        type: 'DateTime',
        description: 'When the code stops working.',
        resolve: (p) => p.expiresAt,
      }),
      device: t.field({ type: DeviceRef, description: 'The tablet it pairs.', resolve: (p) => p.device }),
    }),
  });

const DevicePairedRef = builder.objectRef<{ token: string; device: DeviceRow }>('DevicePaired').implement({
  description: 'A tablet paired itself; `token` is its long-lived device token, shown this once.',
  fields: (t) => ({
    token: t.exposeString('token', {
      description: 'The device token (kfd_…), for connectionParams.authorization.',
    }),
    device: t.field({
      type: DeviceRef,
      description: 'The tablet.',
      resolve: (p) => p.device,
      grantScopes: ['paired'],
    }),
  }),
});

builder.objectType(PromptAlreadyAnsweredError, {
  name: 'PromptAlreadyAnsweredError',
  description: 'Another answer came first; nothing changed. Carries the answer that won.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    answer: t.field({
      type: PromptAnswerRef,
      description: 'The winning answer.',
      resolve: (e) => e.prompt.answer!,
    }),
    prompt: t.field({ type: PromptRef, description: 'The prompt.', resolve: (e) => e.prompt }),
  }),
});

builder.objectType(PromptExpiredError, {
  name: 'PromptExpiredError',
  description: 'The prompt’s deadline passed (or it was withdrawn) before the answer; nothing changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    prompt: t.field({ type: PromptRef, description: 'The prompt.', resolve: (e) => e.prompt }),
  }),
});

builder.objectType(PairingCodeError, {
  name: 'PairingCodeError',
  description: 'The pairing code cannot be used; ask the caregiver app for a new one.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    reason: t.exposeString('reason', { description: 'unknown, used, expired or revoked.' }),
  }),
});

// ---- helpers ------------------------------------------------------------------------------------

function tabletOf(context: GraphQLContext): TabletInfo | undefined {
  return context.actor?.kind === 'device' ? context.services.care.device(context.actor.id) : undefined;
}

/** A tablet sees only what targets it; caregivers and apps see everything. */
function visibleTo(context: GraphQLContext, item: { deviceId: string | null; room: string | null }): boolean {
  const tablet = tabletOf(context);
  return context.actor?.kind !== 'device' || (!!tablet && targets(item, tablet));
}

async function findDevice(context: GraphQLContext, id: string): Promise<DeviceRow> {
  const device = await context.em.findOne(Device, { id });
  if (!device) throw new NotFoundError('device', id);
  return device;
}

// ---- queries ------------------------------------------------------------------------------------

builder.queryFields((t) => ({
  pendingPrompts: t.connection(
    {
      type: PromptRef,
      description: 'Prompts waiting for an answer, oldest first, optionally those a tablet shows.',
      authScopes: { read: true },
      args: { device: t.arg.globalID({ for: DeviceRef, description: 'Only prompts this tablet shows.' }) },
      resolve: (_root, args, { services }) => {
        const device = args.device ? services.care.device(args.device.id) : undefined;
        const prompts = services.care.prompts
          .pending()
          .filter((prompt) => !args.device || (device && targets(prompt, device)));
        return resolveArrayConnection({ args }, prompts);
      },
    },
    { description: 'A page of prompts.' },
    { description: 'A prompt in a page of prompts.' },
  ),
  tabletDeliveries: t.connection(
    {
      type: TabletDeliveryRef,
      description:
        'Recent announcements, popups and cards (newest first, the last 200), optionally for one tablet.',
      authScopes: { read: true },
      args: { device: t.arg.globalID({ for: DeviceRef, description: 'Only what reached this tablet.' }) },
      resolve: (_root, args, { services }) => {
        const device = args.device ? services.care.device(args.device.id) : undefined;
        const list = services.care.deliveries
          .recent(200)
          .filter((delivery) => !args.device || (device && targets(delivery, device)));
        return resolveArrayConnection({ args }, list);
      },
    },
    { description: 'A page of deliveries.' },
    { description: 'A delivery in a page of deliveries.' },
  ),
  infoCards: t.connection(
    {
      type: InfoCardRef,
      description: 'Info cards, newest first.',
      authScopes: { read: true },
      resolve: async (_root, args, { em }) =>
        resolveArrayConnection({ args }, await em.find(InfoCard, {}, { orderBy: { createdAt: 'desc' } })),
    },
    { description: 'A page of info cards.' },
    { description: 'An info card in a page of info cards.' },
  ),
}));

// ---- mutations ----------------------------------------------------------------------------------

const DeviceSettingsInput = builder.inputType('DeviceSettingsInput', {
  description: 'Tablet settings to change; fields left out stay as they are.',
  fields: (t) => ({
    name: t.string({ description: 'Display name.', validate: z.string().trim().min(1).max(80) }),
    room: t.string({ description: 'Room (empty clears it).', validate: z.string().trim().max(80) }),
    person: t.string({
      description: 'Person it is for (empty clears it).',
      validate: z.string().trim().max(80),
    }),
    locale: t.string({
      description: 'BCP 47 language tag, e.g. en-GB.',
      validate: z.string().refine((v) => {
        try {
          return Intl.getCanonicalLocales(v).length === 1;
        } catch {
          return false;
        }
      }, 'not a BCP 47 language tag'),
    }),
    voiceName: t.string({
      description: 'Preferred voice name (empty: the locale’s default).',
      validate: z.string().max(200),
    }),
    voiceRate: t.float({ description: 'Speaking rate, 0.5 to 2.', validate: z.number().min(0.5).max(2) }),
  }),
});

const InfoCardInput = builder.inputType('InfoCardInput', {
  description: 'An info card’s text; a picture is uploaded separately (PUT /media/cards/{id}).',
  fields: (t) => ({
    title: t.string({
      required: true,
      description: 'Headline.',
      validate: z.string().trim().min(1).max(120),
    }),
    body: t.string({
      required: true,
      description: 'Text in the safe Markdown subset: paragraphs, headings, lists, emphasis.',
      validate: z.string().max(4000),
    }),
  }),
});

builder.mutationFields((t) => ({
  answerPrompt: t.field({
    type: PromptRef,
    description:
      'Answers a prompt: from the tablet, or by a caregiver or app on the senior’s behalf (recorded as such). The first answer wins and resumes the run; the same `answerId` again returns the same result.',
    authScopes: { $any: { device: true, write: true, respond: true } },
    errors: { types: [PromptAlreadyAnsweredError, PromptExpiredError, NotFoundError, InputValidationError] },
    args: {
      prompt: t.arg.globalID({ required: true, for: PromptRef, description: 'Global ID of the prompt.' }),
      action: t.arg({ type: PromptActionEnum, required: true, description: 'Which button.' }),
      answerId: t.arg.string({
        required: true,
        description: 'A client-made unique id for this answer (a UUID), so a retry is not a second answer.',
        validate: z.string().min(8).max(100),
      }),
    },
    resolve: async (_root, args, context) => {
      const { actor, services } = context;
      const existing = services.care.prompts.get(args.prompt.id);
      if (!existing || !visibleTo(context, existing)) throw new NotFoundError('prompt', args.prompt.id);
      const via = actor!.kind === 'device' ? 'tablet' : actor!.kind === 'user' ? 'caregiver' : 'api';
      const outcome = await services.care.answer({
        promptId: existing.id,
        action: args.action,
        answerId: args.answerId,
        via,
        byId: actor!.id,
        byName: actor!.name,
      });
      if (outcome.kind === 'not_found') throw new NotFoundError('prompt', args.prompt.id);
      if (outcome.kind === 'already_answered') throw new PromptAlreadyAnsweredError(outcome.prompt);
      if (outcome.kind === 'expired') throw new PromptExpiredError(outcome.prompt);
      return outcome.prompt;
    },
  }),
  acknowledgeDelivery: t.field({
    type: TabletDeliveryRef,
    description:
      'A tablet reports on an announcement, popup or card: spoken, failed (with a reason), shown or dismissed.',
    authScopes: { device: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: {
      delivery: t.arg.globalID({
        required: true,
        for: TabletDeliveryRef,
        description: 'Global ID of the delivery.',
      }),
      status: t.arg({ type: ReportStatusEnum, required: true, description: 'What happened.' }),
      reason: t.arg.string({ description: 'Why it failed.', validate: z.string().max(300) }),
    },
    resolve: (_root, args, { actor, services }) => {
      const updated = services.care.report(
        args.delivery.id,
        actor!.id,
        args.status,
        args.reason ?? undefined,
      );
      if (!updated) throw new NotFoundError('delivery', args.delivery.id);
      return updated;
    },
  }),
  updateDevice: t.field({
    type: DeviceRef,
    description: 'Renames a tablet or changes its room, person, locale or voice (admins only).',
    authScopes: { admin: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: {
      id: t.arg.globalID({ required: true, for: DeviceRef, description: 'Global ID of the tablet.' }),
      input: t.arg({ type: DeviceSettingsInput, required: true, description: 'What to change.' }),
    },
    resolve: async (_root, { id, input }, context) => {
      const device = await findDevice(context, id.id);
      if (input.name) device.name = input.name.trim();
      if (input.room !== undefined && input.room !== null) device.room = input.room.trim() || null;
      if (input.person !== undefined && input.person !== null) device.person = input.person.trim() || null;
      if (input.locale) device.locale = Intl.getCanonicalLocales(input.locale)[0]!;
      if (input.voiceName !== undefined && input.voiceName !== null)
        device.voiceName = input.voiceName || null;
      if (typeof input.voiceRate === 'number') device.voiceRate = input.voiceRate;
      await context.em.flush();
      context.services.care.publish({ deviceId: device.id, room: null }, 'device_updated', null);
      return device;
    },
  }),
  revokeDevice: t.field({
    type: DeviceRef,
    description:
      'Revokes a tablet (admins only): its token stops working and its open connection closes at once.',
    authScopes: { admin: true },
    errors: { types: [NotFoundError] },
    args: { id: t.arg.globalID({ required: true, for: DeviceRef, description: 'Global ID of the tablet.' }) },
    resolve: async (_root, { id }, context) => {
      const device = await revokeDevice(context.em, await findDevice(context, id.id));
      context.services.care.disconnect(device.id, 'revoked');
      context.services.access.publish({ kind: 'device', id: device.id });
      return device;
    },
  }),
  createDevicePairing: t.field({
    type: DevicePairingRef,
    description:
      'Makes a single-use pairing code and link for a tablet, valid 10 minutes (admins only). Pairing gives the tablet a new token; an older one stops working.',
    authScopes: { admin: true },
    errors: { types: [NotFoundError] },
    args: {
      device: t.arg.globalID({ required: true, for: DeviceRef, description: 'Global ID of the tablet.' }),
    },
    resolve: async (_root, args, context) => {
      const device = await findDevice(context, args.device.id);
      if (device.revokedAt) throw new NotFoundError('device', args.device.id);
      const { code, expiresAt } = await createPairing(context.em, device);
      const base = context.services.config.publicUrl ?? `http://localhost:${context.services.config.port}`;
      return { code, url: pairingLink(base, code), expiresAt, device };
    },
  }),
  pairDevice: t.field({
    type: DevicePairedRef,
    description:
      'A tablet exchanges a pairing code for its device token (no sign-in needed; each code works once).',
    errors: { types: [PairingCodeError, InputValidationError] },
    args: {
      code: t.arg.string({
        required: true,
        description: 'The code from the link or screen.',
        validate: z.string().min(4).max(40),
      }),
    },
    resolve: async (_root, { code }, context) => {
      const result = await exchangePairing(context.em, code);
      if (!result.ok) throw new PairingCodeError(result.reason);
      // The tablet's earlier connection (with the old token) ends; the new token takes over.
      context.services.care.disconnect(result.device.id, 'paired again');
      context.services.access.publish({ kind: 'device', id: result.device.id });
      return { token: result.token, device: result.device };
    },
  }),
  createInfoCard: t.field({
    type: InfoCardRef,
    description: 'Creates an info card, not yet approved.',
    authScopes: { write: true },
    errors: { types: [InputValidationError] },
    args: { input: t.arg({ type: InfoCardInput, required: true, description: 'Title and text.' }) },
    resolve: async (_root, { input }, { em }) => {
      const card = em.create(InfoCard, { title: input.title.trim(), body: input.body, approved: false });
      await em.flush();
      return card;
    },
  }),
  updateInfoCard: t.field({
    type: InfoCardRef,
    description: 'Changes an info card’s text; a changed card needs approval again.',
    authScopes: { write: true },
    errors: { types: [NotFoundError, InputValidationError] },
    args: {
      id: t.arg.globalID({ required: true, for: InfoCardRef, description: 'Global ID of the card.' }),
      input: t.arg({ type: InfoCardInput, required: true, description: 'Title and text.' }),
    },
    resolve: async (_root, { id, input }, { em }) => {
      const card = await em.findOne(InfoCard, { id: id.id });
      if (!card) throw new NotFoundError('info card', id.id);
      if (card.title !== input.title.trim() || card.body !== input.body) card.approved = false;
      card.title = input.title.trim();
      card.body = input.body;
      await em.flush();
      return card;
    },
  }),
  approveInfoCard: t.field({
    type: InfoCardRef,
    description: 'Approves an info card for delivery to tablets, or withdraws the approval (admins only).',
    authScopes: { admin: true },
    errors: { types: [NotFoundError] },
    args: {
      id: t.arg.globalID({ required: true, for: InfoCardRef, description: 'Global ID of the card.' }),
      approved: t.arg.boolean({
        required: true,
        description: 'Approve (true) or withdraw approval (false).',
      }),
    },
    resolve: async (_root, { id, approved }, { em }) => {
      const card = await em.findOne(InfoCard, { id: id.id });
      if (!card) throw new NotFoundError('info card', id.id);
      card.approved = approved;
      await em.flush();
      return card;
    },
  }),
}));

// ---- subscription -------------------------------------------------------------------------------

builder.subscriptionFields((t) => ({
  deviceFeed: t.field({
    type: FeedMessageRef,
    description:
      'The calling tablet’s feed (device tokens only): first its whole current state, then the state again after every change that targets it.',
    authScopes: { device: true },
    subscribe: (_root, _args, { actor, services }) => services.care.feed(actor!.id),
    resolve: (message) => message,
  }),
}));

/** Whether a card can be delivered: used by the save-time check of info_card steps. */
export async function cardApproved(orm: Parameters<typeof rawDatabase>[0], id: string): Promise<boolean> {
  return loadCard(await rawDatabase(orm), id)?.approved ?? false;
}

builder.objectField(NeedsAttentionRef, 'pendingPrompts', (t) =>
  t.field({
    type: [PromptRef],
    description: 'Check-in prompts on tablets still waiting for an answer, oldest first.',
    resolve: (_root, _args, { services }) => services.care.prompts.pending(),
  }),
);
