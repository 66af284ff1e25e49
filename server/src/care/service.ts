import { Repeater } from 'graphql-yoga';
import { cachedStatement, type SqliteDatabase } from '../engine/sqlite.js';
import type { PipelineExecutionEvent } from '../engine/types.js';
import { DeviceConnections } from './connections.js';
import { DeliveryStore, type DeliveryReport, type DeliveryView, type ReportStatus } from './deliveries.js';
import { PromptStore, type AnswerInput, type AnswerOutcome, type PromptView } from './prompts.js';
import { targets, type Target } from './targets.js';

/** A tablet as the care loop sees it. */
export interface TabletInfo {
  id: string;
  name: string;
  room: string | null;
  person: string | null;
  locale: string;
  voiceName: string | null;
  voiceRate: number;
  revoked: boolean;
}

export type FeedKind =
  'snapshot' | 'prompt_opened' | 'prompt_closed' | 'delivery' | 'withdrawn' | 'device_updated';

/** One feed message: what changed, and the tablet's whole current state after it. */
export interface FeedMessage {
  kind: FeedKind;
  /** The prompt or delivery that changed. */
  itemId: string | null;
  device: TabletInfo;
  prompts: PromptView[];
  deliveries: DeliveryView[];
  at: Date;
}

/** What the engine needs of the care loop: wake a run waiting for a prompt answer. */
export interface PromptWaker {
  deliverEvent(executionId: string, event: Record<string, unknown>): Promise<boolean>;
}

interface DeviceRow {
  id: string;
  name: string;
  room: string | null;
  person: string | null;
  locale: string;
  voice_name: string | null;
  voice_rate: number;
  revoked_at: number | null;
}

interface Listener {
  deviceId: string;
  push(kind: FeedKind, itemId: string | null): void;
  stop(): void;
}

/**
 * The care loop: prompts, deliveries, the per-tablet feed and its live connections. State lives in
 * the database; the feed re-reads it for every message, so a reconnecting tablet gets everything
 * that still applies from its first message.
 */
export class CareService {
  readonly prompts: PromptStore;
  readonly deliveries: DeliveryStore;
  readonly connections: DeviceConnections;
  private readonly listeners = new Set<Listener>();
  private readonly reportWaiters = new Set<() => void>();
  private waker: PromptWaker | undefined;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.prompts = new PromptStore(db, now);
    this.deliveries = new DeliveryStore(db, now);
    this.connections = new DeviceConnections((deviceId, _online, at) => {
      cachedStatement(db, 'update devices set last_seen_at = ? where id = ?').run(at.getTime(), deviceId);
    }, now);
  }

  /** Hooks the engine in and wakes runs whose answer was stored just before a stop. */
  async start(waker: PromptWaker): Promise<void> {
    this.waker = waker;
    for (const prompt of this.prompts.answeredButWaiting()) {
      if (prompt.executionId)
        await waker.deliverEvent(prompt.executionId, { kind: 'prompt_answer', promptId: prompt.id });
    }
  }

  /** Engine events: a run that ends while a prompt is open (cancelled, failed) withdraws the prompt. */
  onExecutionEvent(event: PipelineExecutionEvent): void {
    if (event.kind !== 'execution' || !['cancelled', 'failed', 'completed'].includes(event.status)) return;
    for (const id of this.prompts.withdrawRun(event.executionId))
      this.publish(this.promptTarget(id), 'withdrawn', id);
  }

  device(id: string): TabletInfo | undefined {
    const row = cachedStatement(
      this.db,
      'select id, name, room, person, locale, voice_name, voice_rate, revoked_at from devices where id = ?',
    ).get(id) as DeviceRow | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      name: row.name,
      room: row.room,
      person: row.person,
      locale: row.locale,
      voiceName: row.voice_name,
      voiceRate: row.voice_rate,
      revoked: row.revoked_at !== null,
    };
  }

  /** Every tablet (not revoked) an item for `target` reaches. */
  targetedDevices(target: Target): TabletInfo[] {
    const rows = cachedStatement(this.db, 'select id from devices where revoked_at is null').all() as Array<{
      id: string;
    }>;
    return rows.map((row) => this.device(row.id)!).filter((device) => targets(target, device));
  }

  onlineTargets(target: Target): TabletInfo[] {
    return this.targetedDevices(target).filter((device) => this.connections.online(device.id));
  }

  /** The tablet's current state: open prompts and deliveries still within their validity. */
  state(deviceId: string): Omit<FeedMessage, 'kind' | 'itemId' | 'at'> | undefined {
    const device = this.device(deviceId);
    if (!device) return undefined;
    return {
      device,
      prompts: this.prompts.pending().filter((prompt) => targets(prompt, device)),
      deliveries: this.deliveries
        .current()
        .filter((delivery) => targets(delivery, device))
        // A card this tablet closed stays closed after a reconnect.
        .filter((delivery) => delivery.reports[deviceId]?.status !== 'dismissed'),
    };
  }

  /** The live feed of one tablet: its state first, then its state again after every change that targets it. */
  feed(deviceId: string): AsyncIterable<FeedMessage> {
    return new Repeater<FeedMessage>(async (push, stop) => {
      const send = (kind: FeedKind, itemId: string | null) => {
        const state = this.state(deviceId);
        if (!state || state.device.revoked) return stop();
        void push({ kind, itemId, ...state, at: this.now() });
      };
      const listener: Listener = { deviceId, push: send, stop: () => stop() };
      this.listeners.add(listener);
      send('snapshot', null);
      await stop;
      this.listeners.delete(listener);
    });
  }

  /** Ends the feeds of a tablet (revoked or re-paired) and closes its sockets. */
  disconnect(deviceId: string, reason: string): void {
    for (const listener of this.listeners) if (listener.deviceId === deviceId) listener.stop();
    this.connections.close(deviceId, reason);
  }

  /** Tells the tablets an item targets (null: every tablet) that something changed. */
  publish(target: Target | null, kind: FeedKind, itemId: string | null): void {
    for (const listener of this.listeners) {
      const device = target && this.device(listener.deviceId);
      if (target && (!device || !targets(target, device))) continue;
      listener.push(kind, itemId);
    }
  }

  private promptTarget(id: string): Target | null {
    const prompt = this.prompts.get(id);
    return prompt ? { deviceId: prompt.deviceId, room: prompt.room } : null;
  }

  /** Records an answer, wakes the waiting run and updates every tablet. */
  async answer(input: AnswerInput): Promise<AnswerOutcome> {
    const outcome = this.prompts.answer(input);
    if (outcome.kind === 'accepted' && outcome.first) {
      const { prompt } = outcome;
      this.publish({ deviceId: prompt.deviceId, room: prompt.room }, 'prompt_closed', prompt.id);
      if (prompt.executionId && this.waker) {
        await this.waker.deliverEvent(prompt.executionId, { kind: 'prompt_answer', promptId: prompt.id });
      }
    }
    return outcome;
  }

  /** A tablet's report on an announcement, popup or card. */
  report(
    deliveryId: string,
    deviceId: string,
    status: ReportStatus,
    reason?: string,
  ): DeliveryView | undefined {
    const device = this.device(deviceId);
    const delivery = this.deliveries.get(deliveryId);
    if (!device || !delivery || !targets(delivery, device)) return undefined;
    const report: DeliveryReport = {
      status,
      ...(reason && { reason: reason.slice(0, 300) }),
      deviceName: device.name,
      at: this.now().toISOString(),
    };
    const updated = this.deliveries.report(deliveryId, deviceId, report);
    for (const wake of [...this.reportWaiters]) wake();
    if (status === 'dismissed') this.publish({ deviceId, room: null }, 'delivery', deliveryId);
    return updated;
  }

  /** Resolves when every one of `deviceIds` reported on the delivery, or after `ms`, or on abort. */
  awaitReports(
    deliveryId: string,
    deviceIds: string[],
    ms: number,
    signal: AbortSignal,
  ): Promise<DeliveryView> {
    return new Promise((resolve) => {
      const check = () => {
        const delivery = this.deliveries.get(deliveryId)!;
        if (deviceIds.every((id) => delivery.reports[id])) finish();
      };
      const finish = () => {
        clearTimeout(timer);
        this.reportWaiters.delete(check);
        signal.removeEventListener('abort', finish);
        resolve(this.deliveries.get(deliveryId)!);
      };
      const timer = setTimeout(finish, ms);
      signal.addEventListener('abort', finish, { once: true });
      this.reportWaiters.add(check);
      check();
    });
  }

  stop(): void {
    for (const listener of this.listeners) listener.stop();
    this.connections.closeAll();
  }
}
