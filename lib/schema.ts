// The single source of every record and message shape. Types are inferred from these schemas;
// every boundary (messages, imports, settings, sync downloads) parses with them.
import { z } from 'zod';

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

export const pageContextSchema = z.object({
  /** The console: "AWS", "Okta", "GitHub", … or the host for pages no detector knows. */
  system: z.string(),
  host: z.string(),
  account: z.string().optional(),
  region: z.string().optional(),
  resource: z.string().optional(),
  consoleUser: z.string().optional(),
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
]);
export type AnnotationEvent = z.infer<typeof annotationEventSchema>;

export const annotationStateSchema = z.object({
  captureId: ulidSchema,
  controlIds: z.array(z.string()),
  note: z.string(),
  updatedAt: isoUtcSchema.nullable(),
  updatedBy: z.string().nullable(),
});
export type AnnotationState = z.infer<typeof annotationStateSchema>;

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
  'internal',
]);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const errorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
});

export const requestSchemas = {
  'settings.get': z.object({ type: z.literal('settings.get') }),
  'settings.set': z.object({
    type: z.literal('settings.set'),
    capturer: capturerSchema.optional(),
    organization: z.string().trim().max(200).optional(),
  }),
  capture: z.object({
    type: z.literal('capture'),
    tabId: z.number().int().nonnegative(),
    mode: z.literal('visible').default('visible'),
    controlIds: z.array(controlIdSchema).max(200).default([]),
    note: z.string().max(20000).default(''),
  }),
  'capture.last': z.object({ type: z.literal('capture.last') }),
  'captures.list': captureFilterSchema.extend({ type: z.literal('captures.list') }),
  'captures.get': z.object({ type: z.literal('captures.get'), id: ulidSchema }),
  'captures.image': z.object({
    type: z.literal('captures.image'),
    id: ulidSchema,
    kind: z.enum(['image', 'thumbnail']).default('image'),
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
  'periods.create': z.object({ type: z.literal('periods.create') }).and(periodInputSchema),
  'periods.list': z.object({ type: z.literal('periods.list') }),
  'periods.delete': z.object({ type: z.literal('periods.delete'), id: ulidSchema }),
} as const;

export type MessageType = keyof typeof requestSchemas;
export type RequestOf<T extends MessageType> = z.input<(typeof requestSchemas)[T]>;
export type ParsedRequestOf<T extends MessageType> = z.output<(typeof requestSchemas)[T]>;
export const messageTypes = Object.keys(requestSchemas) as MessageType[];
