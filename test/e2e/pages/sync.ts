// Team sync through the documented messages (docs/messages.md, "Sync") and the Sync page, for
// specs that drive one or several browsers against the test RGW.
import type { Locator, Page } from '@playwright/test';
import type { RgwServer } from '../../support/rgw';
import type { ExhibitApi, Reply } from './api';

export interface TargetInput {
  endpoint?: string;
  bucket: string;
  prefix?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  addressing?: 'path' | 'virtual-host';
  retentionDays?: number;
  intervalMinutes?: number;
  clockOffsetMs?: number;
}

export interface SyncStatus {
  configured: boolean;
  running: boolean;
  phase: 'idle' | 'uploading' | 'downloading';
  progress: { done: number; total: number };
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  lastError: { code: string; message: string; at: string } | null;
  lastRun: { uploadedCaptures: number; importedCaptures: number; importedEvents: number; alreadyPresent: number; quarantined: number; uploadedEventObjects: number } | null;
  waiting: string[];
  queued: { captures: number; events: number };
  quarantine: { count: number; items: { key: string; reason: string; message: string }[] };
  team: { fingerprint: string; name: string; email: string; own: boolean }[];
}

export class SyncApi {
  constructor(
    readonly api: ExhibitApi,
    readonly rgw: RgwServer,
  ) {}

  target(input: TargetInput) {
    return {
      endpoint: input.endpoint ?? this.rgw.endpoint,
      region: this.rgw.region,
      bucket: input.bucket,
      prefix: input.prefix ?? 'team/',
      accessKeyId: input.accessKeyId ?? this.rgw.accessKeyId,
      addressing: input.addressing ?? 'path',
      retentionDays: input.retentionDays ?? 0,
      intervalMinutes: input.intervalMinutes ?? 60,
    };
  }

  configure(input: TargetInput): Promise<Reply> {
    return this.api.request({
      type: 'sync.settings.set',
      target: this.target(input),
      secretAccessKey: input.secretAccessKey ?? this.rgw.secretAccessKey,
      ...(input.clockOffsetMs !== undefined ? { clockOffsetMs: input.clockOffsetMs } : {}),
    });
  }

  now(): Promise<Reply<SyncStatus>> {
    return this.api.request({ type: 'sync.now' });
  }

  /** Syncs and fails the test on an error reply. */
  async sync(): Promise<SyncStatus> {
    const reply = await this.now();
    if (!reply.ok) throw new Error(`sync.now failed: ${reply.error.code}: ${reply.error.message}`);
    return reply.data;
  }

  /** Starts a sync without waiting for its reply. */
  async start(): Promise<void> {
    await this.api.page.evaluate(() => {
      void chrome.runtime.sendMessage({ type: 'sync.now' });
    });
  }

  status(): Promise<SyncStatus> {
    return this.api.call({ type: 'sync.status' });
  }

  test(input?: TargetInput): Promise<Reply> {
    return this.api.request({
      type: 'sync.test',
      ...(input ? { target: this.target(input), secretAccessKey: input.secretAccessKey ?? this.rgw.secretAccessKey } : {}),
    });
  }

  /** The library as the person sees it: every capture with its tags, note and history. */
  async library(): Promise<unknown[]> {
    const list = await this.api.call<{ items: { id: string }[] }>({ type: 'captures.list', limit: 10000 });
    const out = [];
    for (const item of list.items) {
      const detail = await this.api.call<{ annotation: unknown; history: unknown[]; imageHashValid: boolean; signatureValid: boolean | null }>({ type: 'captures.get', id: item.id });
      out.push({ item, annotation: detail.annotation, history: detail.history, imageHashValid: detail.imageHashValid, signatureValid: detail.signatureValid });
    }
    return out;
  }
}

/** The Sync page of the dashboard, by labels and roles. */
export class SyncPageObject {
  constructor(readonly page: Page) {}

  field(label: string): Locator {
    return this.page.getByLabel(label, { exact: true });
  }

  async fill(values: Record<string, string>): Promise<void> {
    for (const [label, value] of Object.entries(values)) await this.field(label).fill(value);
  }

  button(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }

  connectionReport(): Locator {
    return this.page.getByRole('status', { name: 'Connection test' });
  }

  queued(): Locator {
    return this.page.getByTestId('sync-queued');
  }
}
