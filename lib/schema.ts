// The single source of every record and message shape. Types are inferred from these schemas;
// every boundary (messages, imports, settings, sync downloads) parses with them.
import { z } from './zod';

export const ulidSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'not a ULID');
export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'not a lowercase hex SHA-256');
export const isoUtcSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'not a UTC ISO 8601 time like 2026-01-31T12:00:00.000Z');
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'not a date like 2026-01-31')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a real calendar date');
export const base64UrlSchema = z.string().regex(/^[A-Za-z0-9_-]+$/, 'not base64url');
export const timeZoneSchema = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA time zone');

// ---------------------------------------------------------------------------------------------
// People and settings

export const capturerSchema = z.object({
  name: z.string().trim().min(1, 'name is required').max(200),
  email: z.string().trim().toLowerCase().pipe(z.email('not an email address')).pipe(z.string().max(320)),
  team: z.string().trim().max(200).default(''),
});
export type Capturer = z.infer<typeof capturerSchema>;

export const settingsSchema = z.object({
  capturer: capturerSchema.nullable().default(null),
  organization: z.string().trim().max(200).default(''),
});
export type Settings = z.infer<typeof settingsSchema>;

// ---------------------------------------------------------------------------------------------
// Controls and criteria

export const controlIdSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'a control id is 1–64 letters, digits, . _ : - and starts with a letter or digit');

export const cadenceSchema = z.enum(['continuous', 'daily', 'weekly', 'monthly', 'quarterly', 'annually', 'per-event']);
export type Cadence = z.infer<typeof cadenceSchema>;

export const criterionSchema = z.object({
  id: z.string(),
  category: z.string(),
  title: z.string(),
});
export type Criterion = z.infer<typeof criterionSchema>;

/** A control the team defines (stored). The 61 SOC 2 criteria are built in and never stored. */
export const customControlSchema = z.object({
  id: controlIdSchema,
  title: z.string().trim().min(1, 'title is required').max(300),
  description: z.string().trim().max(5000).default(''),
  owner: z.string().trim().max(320).default(''),
  cadence: cadenceSchema.default('quarterly'),
  criteria: z.array(z.string()).default([]),
});
export type CustomControl = z.infer<typeof customControlSchema>;

export const controlSchema = customControlSchema.extend({
  builtIn: z.boolean(),
});
export type Control = z.infer<typeof controlSchema>;

// ---------------------------------------------------------------------------------------------
// Audit periods

export const periodKindSchema = z.enum(['type1', 'type2']);
export const periodInputSchema = z
  .object({
    name: z.string().trim().min(1, 'name is required').max(200),
    kind: periodKindSchema,
    start: isoDateSchema,
    end: isoDateSchema.optional(),
    timeZone: timeZoneSchema.optional(),
  })
  .refine((p) => p.kind === 'type1' || p.end !== undefined, { message: 'a Type 2 period needs an end date', path: ['end'] })
  .refine((p) => p.end === undefined || p.end >= p.start, { message: 'the end date is before the start date', path: ['end'] });
export type PeriodInput = z.infer<typeof periodInputSchema>;

export const periodSchema = z.object({
  id: ulidSchema,
  name: z.string(),
  kind: periodKindSchema,
  start: isoDateSchema,
  /** Inclusive last day. Equal to start for a Type 1 period. */
  end: isoDateSchema,
  /** The zone whose calendar days bound the period. */
  timeZone: timeZoneSchema,
  createdAt: isoUtcSchema,
  createdBy: z.string(),
});
export type Period = z.infer<typeof periodSchema>;

// ---------------------------------------------------------------------------------------------
// Captures

export const captureModeSchema = z.enum(['visible', 'full-page', 'element', 'region']);
export type CaptureMode = z.infer<typeof captureModeSchema>;

/** What a console page shows, in words shared by every console (lib/context/types.ts). */
export const pageKindSchema = z.enum([
  'users', 'groups', 'roles', 'admins', 'mfa', 'password-policy', 'sso', 'conditional-access', 'access-review', 'apps',
  'branch-protection', 'pull-requests', 'deployments', 'pipeline', 'backups', 'firewall', 'encryption', 'logging',
  'monitoring', 'vulnerabilities', 'devices', 'dashboard',
]);
export type PageKind = z.infer<typeof pageKindSchema>;

export const pageContextSchema = z.object({
  /** The console: "AWS", "Okta", "GitHub", … or the host for pages no detector knows. */
  system: z.string(),
  host: z.string(),
  /** Account, tenant, org, domain, project or site (docs/context.md says which, per console). */
  account: z.string().optional(),
  /** The account's human name where the console shows one beside its id (an AWS account alias). */
  accountName: z.string().optional(),
  region: z.string().optional(),
  resource: z.string().optional(),
  consoleUser: z.string().optional(),
  pageKind: pageKindSchema.optional(),
});
export type PageContext = z.infer<typeof pageContextSchema>;

export const imageInfoSchema = z.object({
  mediaType: z.literal('image/png'),
  sha256: sha256HexSchema,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bytes: z.number().int().positive(),
  /** Height in pixels of the banner strip above the captured pixels. */
  bannerHeight: z.number().int().nonnegative(),
});

/** One table or ARIA grid of the page, stored as RFC 4180 CSV (UTF-8) in the blob `name`. */
export const tableInfoSchema = z.object({
  /** Blob name, "tables/1.csv", "tables/2.csv" … in page order. */
  name: z.string().regex(/^tables\/\d{1,4}\.csv$/),
  caption: z.string().optional(),
  /** The header row as written in the CSV ("Column 1" … when the table has none). */
  columns: z.array(z.string()),
  /** Data rows in the CSV (the header row not counted). */
  rowCount: z.number().int().nonnegative(),
  /** Data rows the page had rendered for this table, when more than the CSV holds (rows outside the captured region are left out). */
  renderedRowCount: z.number().int().nonnegative().optional(),
  /** Data rows the grid says it has (aria-rowcount), when it says. */
  declaredRowCount: z.number().int().nonnegative().optional(),
  /** The grid renders only some of its rows: the CSV holds the rendered ones. */
  virtualized: z.boolean(),
  /** A size limit cut rows, columns or cell text. */
  truncated: z.boolean().optional(),
  sha256: sha256HexSchema,
  bytes: z.number().int().nonnegative(),
});
export type TableInfo = z.infer<typeof tableInfoSchema>;

export const fullPageInfoSchema = z.object({
  /** 'document' when the page scrolls; 'element' when an inner panel does (it is grown in place). */
  container: z.enum(['document', 'element']),
  tiles: z.number().int().positive(),
  /** Captured content height in CSS pixels. */
  contentHeight: z.number().nonnegative(),
  /** The page was taller than Exhibit's limit (an endless list): only its top was captured. */
  truncated: z.boolean(),
  /** The page's height changed while it was captured (lazy loading, live updates). */
  changedDuringCapture: z.boolean(),
});

export type FullPageInfo = z.infer<typeof fullPageInfoSchema>;

/** Element and region captures: the captured area in CSS pixels of the page (document coordinates). */
export const regionRectSchema = z.object({
  x: z.number().min(-1e6).max(1e7),
  y: z.number().min(-1e6).max(1e7),
  width: z.number().positive().max(1e6),
  height: z.number().positive().max(1e7),
});
export type RegionRect = z.infer<typeof regionRectSchema>;

/** The element an element capture shows, described for people (docs/capture-modes.md). */
export const elementDescriptorSchema = z.object({
  tag: z.string().max(100),
  id: z.string().max(200).optional(),
  /** Its accessible name or caption; left out when the capture was redacted. */
  label: z.string().max(200).optional(),
});
export type ElementDescriptor = z.infer<typeof elementDescriptorSchema>;

/** Why a region was redacted: a suggestion's kind of finding, or drawn by the person. */
export const redactionReasonSchema = z.enum(['email', 'phone', 'aws-key', 'token', 'card', 'manual']);
export type RedactionReason = z.infer<typeof redactionReasonSchema>;

export const redactionInfoSchema = z.object({
  /** Regions burned into the pixels (0: the person reviewed the capture and redacted nothing). */
  regions: z.number().int().nonnegative(),
  /** Regions per reason. */
  reasons: z.partialRecord(redactionReasonSchema, z.number().int().positive()),
});
export type RedactionInfo = z.infer<typeof redactionInfoSchema>;

export const imagePartSchema = imageInfoSchema.extend({
  /** 1-based position, top to bottom. */
  index: z.number().int().positive(),
  /** Blob name: "image.png" for part 1, "image-part-2.png" … */
  name: z.string(),
  /** Where the part starts in the stitched page, in device pixels. */
  top: z.number().int().nonnegative(),
  capturedPixelsSha256: sha256HexSchema,
});

/** Everything the capture signature covers. Immutable once written. */
export const captureRecordSchema = z.object({
  schema: z.literal('exhibit.capture/1'),
  id: ulidSchema,
  capturedAt: isoUtcSchema,
  timeZone: z.string(),
  utcOffset: z.string().regex(/^[+-]\d{2}:\d{2}$/),
  url: z.string(),
  title: z.string(),
  capturedBy: capturerSchema,
  browser: z.object({ name: z.string(), version: z.string() }),
  extensionVersion: z.string(),
  viewport: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
  devicePixelRatio: z.number().positive(),
  mode: captureModeSchema,
  context: pageContextSchema,
  image: imageInfoSchema,
  /** SHA-256 of the PNG the browser returned, before the banner was added; printed in the banner. */
  capturedPixelsSha256: sha256HexSchema,
  /** The page's tables as CSV blobs; absent when the page had none in the captured region. */
  tables: z.array(tableInfoSchema).optional(),
  /** Full-page captures: how the page was scrolled and stitched. */
  fullPage: fullPageInfoSchema.optional(),
  /** A page too tall for one image is saved as numbered parts, top to bottom; `image` is part 1. */
  parts: z.array(imagePartSchema).optional(),
  /** Element and region captures: the captured area of the page. */
  region: regionRectSchema.optional(),
  /** Element captures: which element. */
  element: elementDescriptorSchema.optional(),
  /** Element and region captures: 'dom' when the image is a DOM rendering (html2canvas), not a screenshot. */
  rendering: z.enum(['screenshot', 'dom']).optional(),
  /** Present when the capture went through the redaction editor: solid fills burned in before hashing. */
  redaction: redactionInfoSchema.optional(),
  installationId: z.string(),
  signingKeyFingerprint: sha256HexSchema,
});
export type CaptureRecord = z.infer<typeof captureRecordSchema>;

export const captureSignatureSchema = z.object({
  alg: z.literal('ES256'),
  keyFingerprint: sha256HexSchema,
  /** base64url of the 64-byte IEEE P1363 r||s signature over the RFC 8785 canonical JSON of the record without `signature`. */
  value: base64UrlSchema,
});
export type CaptureSignature = z.infer<typeof captureSignatureSchema>;

export const signedCaptureSchema = captureRecordSchema.extend({ signature: captureSignatureSchema });
export type SignedCapture = z.infer<typeof signedCaptureSchema>;

export const publicKeyJwkSchema = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: base64UrlSchema,
  y: base64UrlSchema,
});
export type PublicKeyJwk = z.infer<typeof publicKeyJwkSchema>;

// ---------------------------------------------------------------------------------------------
// Audit readiness: exceptions, due items and the auditor's request list (docs/readiness.md)

/**
 * A sub-period of an audit period: "2026-01" (month), "2026-Q1" (calendar quarter), "2026" (a
 * calendar year) or "2025-07..2026-06" (twelve months from the period's first month).
 */
export const subPeriodKeySchema = z
  .string()
  .regex(
    /^(\d{4}-(0[1-9]|1[0-2])|\d{4}-Q[1-4]|\d{4}|\d{4}-(0[1-9]|1[0-2])\.\.\d{4}-(0[1-9]|1[0-2]))$/,
    'not a sub-period like 2026-01, 2026-Q1, 2026 or 2025-07..2026-06',
  );

/** What went wrong and what is being done about it: an exception is documented, never hidden. */
export const exceptionTextSchema = z.object({
  description: z.string().trim().min(1, 'describe the exception').max(5000),
  remediation: z.string().trim().max(5000).default(''),
});
export type ExceptionText = z.infer<typeof exceptionTextSchema>;

/** The auditor's id of a request ("PBC-12", "4.1"), verbatim. */
export const requestRefSchema = z
  .string()
  .trim()
  .min(1, 'the request id is empty')
  .max(64, 'a request id has at most 64 characters')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'a request id cannot contain line breaks or control characters');

/** A sampled item of a request: S1, S2 … in the order they were added. */
export const sampleIdSchema = z.string().regex(/^S\d{1,5}$/, 'not a sample id like S1');

/** A capture answers a request, or one sampled item of it. */
export const requestLinkSchema = z.object({ requestId: ulidSchema, sampleId: sampleIdSchema.nullable() });
export type RequestLink = z.infer<typeof requestLinkSchema>;

// ---------------------------------------------------------------------------------------------
// Annotations: append-only events; the current tags and note are a fold over them.

const annotationBase = z.object({
  id: ulidSchema,
  captureId: ulidSchema,
  at: isoUtcSchema,
  by: z.object({ name: z.string(), email: z.string() }),
  installationId: z.string(),
});
export const annotationEventSchema = z.discriminatedUnion('op', [
  annotationBase.extend({ op: z.literal('controls.add'), controlIds: z.array(controlIdSchema).min(1) }),
  annotationBase.extend({ op: z.literal('controls.remove'), controlIds: z.array(controlIdSchema).min(1) }),
  annotationBase.extend({ op: z.literal('note.set'), note: z.string().max(20000) }),
  annotationBase.extend({ op: z.literal('requests.add'), requests: z.array(requestLinkSchema).min(1) }),
  annotationBase.extend({ op: z.literal('requests.remove'), requests: z.array(requestLinkSchema).min(1) }),
  /** Flags the capture as an exception (null clears the flag). */
  annotationBase.extend({ op: z.literal('exception.set'), exception: exceptionTextSchema.nullable() }),
]);
export type AnnotationEvent = z.infer<typeof annotationEventSchema>;

export const annotationStateSchema = z.object({
  captureId: ulidSchema,
  controlIds: z.array(z.string()),
  note: z.string(),
  updatedAt: isoUtcSchema.nullable(),
  updatedBy: z.string().nullable(),
  /** The requests (or sampled items) the capture answers; present once it was attached to one. */
  requests: z.array(requestLinkSchema.extend({ at: isoUtcSchema, by: z.string() })).optional(),
  /** The distinct request ids of `requests`: indexed, so a request's captures are one lookup. */
  requestIds: z.array(ulidSchema).optional(),
  /** The exception flag with who set it and when; present once the flag was ever set. */
  exception: exceptionTextSchema.extend({ at: isoUtcSchema, by: z.string() }).nullable().optional(),
});
export type AnnotationState = z.infer<typeof annotationStateSchema>;

/** Exceptions, snoozes and "not applicable" on a control's sub-period, and request submissions: events with who and when, folded like annotations. */
const readinessBase = z.object({
  id: ulidSchema,
  at: isoUtcSchema,
  by: z.object({ name: z.string(), email: z.string() }),
  installationId: z.string(),
});
const controlPeriodShape = { controlId: controlIdSchema, subPeriod: subPeriodKeySchema };
export const readinessEventSchema = z.discriminatedUnion('op', [
  readinessBase.extend({ op: z.literal('period.exception'), ...controlPeriodShape, exception: exceptionTextSchema.nullable() }),
  readinessBase.extend({ op: z.literal('due.snooze'), ...controlPeriodShape, until: isoDateSchema, reason: z.string().max(2000) }),
  readinessBase.extend({ op: z.literal('due.notApplicable'), ...controlPeriodShape, reason: z.string().min(1).max(2000) }),
  readinessBase.extend({ op: z.literal('due.reopen'), ...controlPeriodShape }),
  readinessBase.extend({ op: z.literal('request.status'), requestId: ulidSchema, status: z.enum(['submitted', 'open']), note: z.string().max(2000) }),
]);
export type ReadinessEvent = z.infer<typeof readinessEventSchema>;

export const requestStatusSchema = z.enum(['open', 'evidence-attached', 'submitted']);
export type RequestStatus = z.infer<typeof requestStatusSchema>;

export const requestSampleSchema = z.object({
  id: sampleIdSchema,
  label: z.string(),
  addedAt: isoUtcSchema,
  addedBy: z.string(),
});
export type RequestSample = z.infer<typeof requestSampleSchema>;

/** One item of the auditor's request list (PBC), as imported. Its status is derived (lib/requests). */
export const requestRecordSchema = z.object({
  id: ulidSchema,
  periodId: ulidSchema,
  ref: requestRefSchema,
  text: z.string(),
  controlIds: z.array(z.string()),
  dueDate: isoDateSchema.nullable(),
  owner: z.string(),
  samples: z.array(requestSampleSchema),
  /** Order in the auditor's list. */
  position: z.number().int().nonnegative(),
  importedAt: isoUtcSchema,
  importedBy: z.string(),
  source: z.object({ fileName: z.string(), row: z.number().int().nonnegative() }),
});
export type RequestRecord = z.infer<typeof requestRecordSchema>;

export const csvDelimiterSchema = z.enum([',', ';', '\t', '|']);
export const dateFormatSchema = z.enum(['iso', 'us', 'eu']);
export type DateFormat = z.infer<typeof dateFormatSchema>;
const columnIndex = z.number().int().nonnegative().max(500);
/** Which column (0-based) holds each field of a request. */
export const requestColumnMappingSchema = z.object({
  id: columnIndex,
  description: columnIndex,
  controls: columnIndex.nullable().default(null),
  dueDate: columnIndex.nullable().default(null),
  owner: columnIndex.nullable().default(null),
});
export type RequestColumnMapping = z.infer<typeof requestColumnMappingSchema>;
/** A mapping being chosen: a field left out is suggested from the header; null means "not in the file". */
export const partialColumnMappingSchema = z.object({
  id: columnIndex.nullable().optional(),
  description: columnIndex.nullable().optional(),
  controls: columnIndex.nullable().optional(),
  dueDate: columnIndex.nullable().optional(),
  owner: columnIndex.nullable().optional(),
});
export type PartialColumnMapping = z.infer<typeof partialColumnMappingSchema>;

export const captureSummarySchema = z.object({
  id: ulidSchema,
  sha256: sha256HexSchema,
  url: z.string(),
  title: z.string(),
  capturedAt: isoUtcSchema,
  timeZone: z.string(),
  capturedBy: capturerSchema,
  width: z.number(),
  height: z.number(),
  mode: captureModeSchema,
  system: z.string(),
  host: z.string(),
  controlIds: z.array(z.string()),
  note: z.string(),
});
export type CaptureSummary = z.infer<typeof captureSummarySchema>;

export const captureFilterSchema = z.object({
  periodId: ulidSchema.optional(),
  /** Inclusive lower bound, UTC ISO instant or a YYYY-MM-DD date (start of that UTC day). */
  from: z.string().optional(),
  /** Exclusive upper bound, UTC ISO instant or a YYYY-MM-DD date (that whole UTC day included). */
  to: z.string().optional(),
  controlId: z.string().optional(),
  /** Matches the detected system or the host. */
  system: z.string().optional(),
  capturedBy: z.string().optional(),
  /** Case-insensitive text in title, URL or note. */
  text: z.string().max(500).optional(),
  untagged: z.boolean().optional(),
  limit: z.number().int().positive().max(10000).default(200),
  offset: z.number().int().nonnegative().default(0),
});
export type CaptureFilter = z.infer<typeof captureFilterSchema>;

// ---------------------------------------------------------------------------------------------
// Team sync through S3-compatible object storage (docs/sync.md)

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$|\.localhost$/;

/** Where the team's evidence is synced. The secret access key is stored apart, never in this record. */
export const syncTargetSchema = z.object({
  /** https://s3.eu-central-1.amazonaws.com, https://<account>.r2.cloudflarestorage.com, http://127.0.0.1:7480 … */
  endpoint: z
    .string()
    .trim()
    .transform((s) => s.replace(/\/+$/, ''))
    .refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'https:' || u.protocol === 'http:') && u.pathname === '/' && !u.search && !u.hash && !u.username && !u.password;
      } catch {
        return false;
      }
    }, 'the endpoint is an http(s) address without a path, like https://s3.eu-central-1.amazonaws.com')
    .refine((s) => !s.startsWith('http:') || LOOPBACK_HOST.test(new URL(s).hostname), 'use https: plain http is accepted only for a server on this computer'),
  region: z.string().trim().regex(/^[a-z0-9-]{2,40}$/, 'a region like us-east-1 (auto for Cloudflare R2)').default('us-east-1'),
  bucket: z.string().trim().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'a bucket name is 3–63 lower-case letters, digits, dots and hyphens'),
  /** Folder inside the bucket, "" or like "exhibit/acme/"; always ends with "/" when not empty. */
  prefix: z
    .string()
    .trim()
    .max(200)
    .regex(/^[A-Za-z0-9._/-]*$/, 'a prefix uses letters, digits, . _ - and /')
    .transform((p) => p.replace(/^\/+/, '').replace(/\/+/g, '/').replace(/([^/])$/, '$1/'))
    .refine((p) => !p.split('/').some((seg) => seg === '.' || seg === '..'), 'a prefix cannot contain . or .. folders')
    .default('exhibit/'),
  accessKeyId: z.string().trim().regex(/^[\x21-\x7e]{1,128}$/, 'an access key id is 1–128 visible characters'),
  addressing: z.enum(['path', 'virtual-host']).default('path'),
  /** Days each uploaded object stays under Object Lock (0: no retention is set; the bucket must have Object Lock otherwise). */
  retentionDays: z.number().int().min(0).max(36500).default(0),
  retentionMode: z.enum(['COMPLIANCE', 'GOVERNANCE']).default('COMPLIANCE'),
  /** Background sync every this many minutes. */
  intervalMinutes: z.number().int().min(1).max(1440).default(15),
});
export type SyncTarget = z.infer<typeof syncTargetSchema>;
export const syncSecretSchema = z.string().regex(/^[\x21-\x7e]{1,256}$/, 'a secret access key is 1–256 visible characters');

/** signers/<fingerprint>.json: an installation's public key, so every teammate can verify its captures and events. */
export const syncSignerObjectSchema = z.object({
  schema: z.literal('exhibit.signer/1'),
  installationId: z.string().min(1).max(64),
  fingerprint: sha256HexSchema,
  publicJwk: publicKeyJwkSchema,
  createdAt: isoUtcSchema,
});
export type SyncSignerObject = z.infer<typeof syncSignerObjectSchema>;

export const syncFileSchema = z.object({
  /** Blob name in the capture: "image.png", "thumbnail.jpg", "image-part-2.png", "tables/1.csv". */
  name: z.string().regex(/^(image\.png|thumbnail\.jpg|image-part-\d{1,4}\.png|tables\/\d{1,4}\.csv)$/, 'not a capture file name'),
  mediaType: z.string().max(100),
  sha256: sha256HexSchema,
  bytes: z.number().int().nonnegative(),
});
export type SyncFile = z.infer<typeof syncFileSchema>;

/** captures/<captureId>-<image sha256>.json, written after every file it lists. */
export const syncCaptureObjectSchema = z.object({
  schema: z.literal('exhibit.sync.capture/1'),
  capture: signedCaptureSchema,
  /** The signer's public key; its RFC 7638 thumbprint must equal capture.signingKeyFingerprint. */
  signerPublicKey: publicKeyJwkSchema,
  files: z.array(syncFileSchema).min(2).max(2000),
});
export type SyncCaptureObject = z.infer<typeof syncCaptureObjectSchema>;

/** events/<installationId>/<first event id>.json: annotation events of one installation, signed by it. Never rewritten. */
export const syncEventsObjectSchema = z.object({
  schema: z.literal('exhibit.sync.events/1'),
  installationId: z.string().min(1).max(64),
  signingKeyFingerprint: sha256HexSchema,
  events: z.array(annotationEventSchema).min(1).max(5000),
  /** ES256 over the RFC 8785 JSON of every other field. */
  signature: captureSignatureSchema,
});
export type SyncEventsObject = z.infer<typeof syncEventsObjectSchema>;

// ---------------------------------------------------------------------------------------------
// Messages: { type, ...params } → { ok: true, data } | { ok: false, error: { code, message } }

export const errorCodeSchema = z.enum([
  'invalid-request',
  'capturer-missing',
  'tab-not-found',
  'page-not-capturable',
  'permission-denied',
  'capture-failed',
  'storage-full',
  'not-found',
  'import-invalid',
  'conflict',
  'sync-not-configured',
  'sync-failed',
  'internal',
]);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const errorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
});

/** A bundle handed to the background: a file the dashboard put in the origin-private file system, or base64 bytes (up to 48 MB). */
export const bundleSourceSchema = z.union([
  z.object({ opfsPath: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'a file name in the origin-private file system'), name: z.string().max(300).optional() }),
  z.object({ base64: z.string().max(64 * 1024 * 1024), name: z.string().max(300).default('bundle.zip') }),
]);

export const redactionSessionIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'not a redaction session id');
/** A box in pixels of the captured image (before the banner is added). */
export const imageBoxSchema = z.object({
  x: z.number().int().nonnegative(),
  y: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type ImageBox = z.infer<typeof imageBoxSchema>;
/** One redacted region: a drawn box, or an accepted suggestion (a finding may wrap over several lines). */
export const redactionRegionSchema = z.object({ reason: redactionReasonSchema, boxes: z.array(imageBoxSchema).min(1).max(50) });
export type RedactionRegion = z.infer<typeof redactionRegionSchema>;

export const requestSchemas = {
  'settings.get': z.object({ type: z.literal('settings.get') }),
  'settings.set': z.object({
    type: z.literal('settings.set'),
    capturer: capturerSchema.optional(),
    organization: z.string().trim().max(200).optional(),
  }),
  capture: z
    .object({
      type: z.literal('capture'),
      tabId: z.number().int().nonnegative(),
      mode: captureModeSchema.default('visible'),
      controlIds: z.array(controlIdSchema).max(200).default([]),
      note: z.string().max(20000).default(''),
      /** Element captures without the picker: the first element matching this CSS selector. */
      selector: z.string().trim().min(1).max(2000).optional(),
      /** Region captures without the picker: CSS pixels of the page. */
      rect: regionRectSchema.optional(),
      /** Open the redaction editor before anything is saved. */
      redact: z.boolean().default(false),
    })
    .refine((r) => r.selector === undefined || r.mode === 'element', { message: 'selector is for mode "element"', path: ['selector'] })
    .refine((r) => r.rect === undefined || r.mode === 'region', { message: 'rect is for mode "region"', path: ['rect'] }),
  'capture.last': z.object({ type: z.literal('capture.last') }),
  'capture.cancel': z.object({ type: z.literal('capture.cancel'), jobId: ulidSchema }),
  /** The redaction editor (docs/messages.md, "Redaction"): the pixels waiting for it, saving with boxes, cancelling. */
  'redact.session': z.object({ type: z.literal('redact.session'), sessionId: redactionSessionIdSchema }),
  'redact.save': z.object({
    type: z.literal('redact.save'),
    sessionId: redactionSessionIdSchema,
    regions: z.array(redactionRegionSchema).max(5000),
  }),
  'redact.cancel': z.object({ type: z.literal('redact.cancel'), sessionId: redactionSessionIdSchema }),
  diagnostics: z.object({ type: z.literal('diagnostics') }),
  'captures.list': captureFilterSchema.extend({ type: z.literal('captures.list') }),
  'captures.get': z.object({ type: z.literal('captures.get'), id: ulidSchema }),
  'captures.image': z.object({
    type: z.literal('captures.image'),
    id: ulidSchema,
    kind: z.enum(['image', 'thumbnail']).default('image'),
    /** For a full-page capture saved in parts: which part (1 = the image). */
    part: z.number().int().positive().optional(),
  }),
  annotate: z.object({
    type: z.literal('annotate'),
    captureId: ulidSchema,
    controlIds: z.array(controlIdSchema).max(200).optional(),
    note: z.string().max(20000).optional(),
  }),
  'controls.list': z.object({ type: z.literal('controls.list') }),
  'controls.save': z.object({ type: z.literal('controls.save'), control: customControlSchema }),
  'controls.delete': z.object({ type: z.literal('controls.delete'), id: controlIdSchema }),
  'controls.import': z.object({
    type: z.literal('controls.import'),
    format: z.enum(['csv', 'json']),
    text: z.string(),
  }),
  'context.detect': z.object({ type: z.literal('context.detect'), tabId: z.number().int().nonnegative() }),
  'captures.table': z.object({ type: z.literal('captures.table'), id: ulidSchema, name: z.string().regex(/^tables\/\d{1,4}\.csv$/) }),
  'periods.create': z.object({ type: z.literal('periods.create') }).and(periodInputSchema),
  'periods.list': z.object({ type: z.literal('periods.list') }),
  'periods.delete': z.object({ type: z.literal('periods.delete'), id: ulidSchema }),
  'bundle.export': z
    .object({
      type: z.literal('bundle.export'),
      periodId: ulidSchema.optional(),
      from: isoDateSchema.optional(),
      to: isoDateSchema.optional(),
      timeZone: timeZoneSchema.optional(),
      controlIds: z.array(controlIdSchema).max(500).optional(),
      systems: z.array(z.string().min(1).max(300)).max(100).optional(),
      includeUntagged: z.boolean().optional(),
      /** Split into volumes (separate bags) of about this many bytes; default 1 GiB. */
      maxVolumeBytes: z.number().int().min(16 * 1024 * 1024).optional(),
    })
    .refine((r) => r.periodId !== undefined || (r.from !== undefined && r.to !== undefined), { message: 'give a periodId, or both from and to', path: ['periodId'] }),
  'bundle.verify': z.object({ type: z.literal('bundle.verify'), source: bundleSourceSchema, expectKeys: z.array(sha256HexSchema).max(50).optional() }),
  'bundle.import': z.object({ type: z.literal('bundle.import'), source: bundleSourceSchema, expectKeys: z.array(sha256HexSchema).max(50).optional() }),
  coverage: z.object({
    type: z.literal('coverage'),
    periodId: ulidSchema,
    /** Which built-in criteria get rows besides the team's controls: those with evidence in the period (default), all, or none. */
    criteria: z.enum(['tagged', 'all', 'none']).default('tagged'),
  }),
  'due.list': z.object({
    type: z.literal('due.list'),
    periodId: ulidSchema.optional(),
    /** Only controls whose owner is this email (or name). */
    owner: z.string().trim().max(320).optional(),
    includeSnoozed: z.boolean().default(false),
  }),
  'due.snooze': z.object({ type: z.literal('due.snooze'), controlId: controlIdSchema, subPeriod: subPeriodKeySchema, until: isoDateSchema, reason: z.string().trim().max(2000).default('') }),
  'due.notApplicable': z.object({
    type: z.literal('due.notApplicable'),
    controlId: controlIdSchema,
    subPeriod: subPeriodKeySchema,
    reason: z.string().trim().min(1, 'say why the control does not apply').max(2000),
  }),
  'due.reopen': z.object({ type: z.literal('due.reopen'), controlId: controlIdSchema, subPeriod: subPeriodKeySchema }),
  'exceptions.list': z.object({ type: z.literal('exceptions.list'), periodId: ulidSchema.optional() }),
  'exceptions.set': z
    .object({
      type: z.literal('exceptions.set'),
      captureId: ulidSchema.optional(),
      controlId: controlIdSchema.optional(),
      subPeriod: subPeriodKeySchema.optional(),
      /** null clears the exception. */
      exception: exceptionTextSchema.nullable(),
    })
    .refine((r) => (r.captureId !== undefined ? r.controlId === undefined && r.subPeriod === undefined : r.controlId !== undefined && r.subPeriod !== undefined), {
      message: 'give either captureId, or controlId and subPeriod',
      path: ['captureId'],
    }),
  'requests.preview': z.object({
    type: z.literal('requests.preview'),
    text: z.string(),
    delimiter: csvDelimiterSchema.optional(),
    /** 0-based row of the header; detected when omitted. */
    headerRow: z.number().int().nonnegative().max(50).optional(),
    mapping: partialColumnMappingSchema.optional(),
  }),
  'requests.import': z.object({
    type: z.literal('requests.import'),
    periodId: ulidSchema,
    text: z.string(),
    fileName: z.string().max(260).default(''),
    delimiter: csvDelimiterSchema.optional(),
    headerRow: z.number().int().nonnegative().max(50).optional(),
    mapping: requestColumnMappingSchema,
    /** How to read dates like 03/04/2026; needed only when the file does not settle it. */
    dateFormat: dateFormatSchema.optional(),
  }),
  'requests.list': z.object({ type: z.literal('requests.list'), periodId: ulidSchema }),
  'requests.get': z.object({ type: z.literal('requests.get'), id: ulidSchema }),
  'requests.attach': z.object({ type: z.literal('requests.attach'), requestId: ulidSchema, captureId: ulidSchema, sampleId: sampleIdSchema.optional() }),
  'requests.detach': z.object({ type: z.literal('requests.detach'), requestId: ulidSchema, captureId: ulidSchema, sampleId: sampleIdSchema.optional() }),
  'requests.setStatus': z.object({ type: z.literal('requests.setStatus'), requestId: ulidSchema, status: z.enum(['submitted', 'open']), note: z.string().trim().max(2000).default('') }),
  'requests.addSamples': z.object({
    type: z.literal('requests.addSamples'),
    requestId: ulidSchema,
    samples: z.array(z.string().trim().min(1, 'a sample is empty').max(500)).min(1, 'no samples given').max(1000),
  }),
  'requests.removeSample': z.object({ type: z.literal('requests.removeSample'), requestId: ulidSchema, sampleId: sampleIdSchema }),
  'requests.delete': z.object({ type: z.literal('requests.delete'), id: ulidSchema }),
  'controls.template': z.object({
    type: z.literal('controls.template'),
    /** Starter controls to add (default: all of them). */
    ids: z.array(controlIdSchema).max(200).optional(),
    /** Owner per suggested role ("Engineering lead" → "eve@acme.example"); roles left out keep the role as owner. */
    owners: z.record(z.string(), z.string().trim().max(320)).default({}),
    /** Replace controls that already exist with the template's version. */
    replace: z.boolean().default(false),
  }),
  'sync.settings.get': z.object({ type: z.literal('sync.settings.get') }),
  'sync.settings.set': z.object({
    type: z.literal('sync.settings.set'),
    target: syncTargetSchema,
    /** Omit to keep the stored secret. */
    secretAccessKey: syncSecretSchema.optional(),
    /** Test builds only: sign as if this computer's clock were off by this much (clock-skew tests). */
    clockOffsetMs: z.number().int().min(-7 * 86400000).max(7 * 86400000).optional(),
  }),
  'sync.settings.clear': z.object({ type: z.literal('sync.settings.clear') }),
  /** Without `target`, tests the saved settings; without `secretAccessKey`, uses the saved secret. */
  'sync.test': z.object({ type: z.literal('sync.test'), target: syncTargetSchema.optional(), secretAccessKey: syncSecretSchema.optional() }),
  'sync.now': z.object({ type: z.literal('sync.now') }),
  'sync.status': z.object({ type: z.literal('sync.status') }),
} as const;

export type MessageType = keyof typeof requestSchemas;
export type RequestOf<T extends MessageType> = z.input<(typeof requestSchemas)[T]>;
export type ParsedRequestOf<T extends MessageType> = z.output<(typeof requestSchemas)[T]>;
export const messageTypes = Object.keys(requestSchemas) as MessageType[];
