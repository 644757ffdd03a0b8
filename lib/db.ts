// The extension's IndexedDB. The background service worker is its only writer; pages read it.
import Dexie, { type EntityTable, type Table } from 'dexie';
import type { AnnotationEvent, AnnotationState, CustomControl, Period, PublicKeyJwk, SignedCapture } from './schema';

export interface BlobRow {
  captureId: string;
  /** "image.png", "thumbnail.jpg", later "tables/1.csv" … */
  name: string;
  mediaType: string;
  bytes: number;
  blob: Blob;
}

/** One row per (control, capture): "control X in period P" is one range read. */
export interface TagRow {
  controlId: string;
  capturedAt: string;
  captureId: string;
}

export interface InstallationKeyRow {
  id: 'installation';
  installationId: string;
  privateKey: CryptoKey;
  publicJwk: PublicKeyJwk;
  fingerprint: string;
  createdAt: string;
}

/** Public keys of installations whose captures this library holds (its own among them). */
export interface SignerRow {
  fingerprint: string;
  publicJwk: PublicKeyJwk;
  installationId: string;
  /** Who captured with this key, as last seen. */
  name: string;
  email: string;
  firstSeenAt: string;
}

export interface CaptureJobRow {
  id: string;
  tabId: number;
  startedAt: string;
  state: 'running' | 'saved' | 'failed';
  captureId?: string;
  error?: { code: string; message: string };
  finishedAt?: string;
}

export class ExhibitDB extends Dexie {
  captures!: EntityTable<SignedCapture, 'id'>;
  blobs!: Table<BlobRow, [string, string]>;
  annotations!: EntityTable<AnnotationEvent, 'id'>;
  annotationState!: EntityTable<AnnotationState, 'captureId'>;
  tags!: Table<TagRow, [string, string, string]>;
  controls!: EntityTable<CustomControl, 'id'>;
  periods!: EntityTable<Period, 'id'>;
  keys!: EntityTable<InstallationKeyRow, 'id'>;
  signers!: EntityTable<SignerRow, 'fingerprint'>;
  jobs!: EntityTable<CaptureJobRow, 'id'>;

  constructor(name = 'exhibit') {
    super(name);
    this.version(1).stores({
      captures: 'id, capturedAt, context.system, capturedBy.email, [context.system+capturedAt], [context.host+capturedAt], [capturedBy.email+capturedAt]',
      blobs: '[captureId+name], captureId',
      annotations: 'id, captureId, at',
      annotationState: 'captureId',
      tags: '[controlId+capturedAt+captureId], captureId',
      controls: 'id',
      periods: 'id, start',
      keys: 'id',
      signers: 'fingerprint, email',
      jobs: 'id, state, startedAt',
    });
  }
}

let shared: ExhibitDB | undefined;
export function getDb(): ExhibitDB {
  shared ??= new ExhibitDB();
  return shared;
}
