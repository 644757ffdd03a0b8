// The bundle's own JSON files: each capture's sidecar and the bag's signature.json
// (docs/bundle-format.md). Parsed with these schemas by the verifier and by import.
import { z } from '../zod';
import {
  annotationEventSchema,
  base64UrlSchema,
  controlIdSchema,
  isoUtcSchema,
  publicKeyJwkSchema,
  sha256HexSchema,
  signedCaptureSchema,
} from '../schema';
import { LIMITS, isNameFor } from './names';

export const SIDECAR_SCHEMA = 'exhibit.sidecar/1';
export const SIGNATURE_SCHEMA = 'exhibit.bundle-signature/1';

export const sidecarSchema = z.object({
  schema: z.literal(SIDECAR_SCHEMA),
  /** The control whose folder holds this copy; null under data/untagged/ and data/requests/. */
  filedUnder: controlIdSchema.nullable(),
  /**
   * Only in a copy under data/requests/: the auditor's request id this copy answers, and the
   * sample's label when it sits in the sample's sub-folder (null for the request as a whole).
   * Outside the signed capture record, like `filedUnder`: filing is the bundle's, not the capture's.
   */
  filedUnderRequest: z.object({ ref: z.string().min(1), sampleLabel: z.string().min(1).nullable() }).optional(),
  /** File names in the sidecar's own folder. */
  files: z.object({
    image: z.string().min(1),
    /** A capture saved in parts: the file of every part, in the order of `capture.parts` (the first is `image`). */
    parts: z.array(z.string().min(1)).optional(),
    tables: z.array(z.string().min(1)).default([]),
    /** Path from the bag's data/ folder. */
    thumbnail: z.string().nullable(),
  }),
  /** The signed capture record, exactly as stored, with its signature. */
  capture: signedCaptureSchema,
  /** The public key that signed the capture; its RFC 7638 thumbprint is capture.signingKeyFingerprint. */
  signer: z.object({
    fingerprint: sha256HexSchema,
    publicKeyJwk: publicKeyJwkSchema,
    installationId: z.string(),
    name: z.string(),
    email: z.string(),
  }),
  /** Tags and note as of the export: the fold of `annotationHistory`. */
  annotation: z
    .object({
      controlIds: z.array(z.string()),
      note: z.string(),
      updatedAt: isoUtcSchema.nullable(),
      updatedBy: z.string().nullable(),
    })
    .loose(),
  annotationHistory: z.array(annotationEventSchema),
});
export type Sidecar = z.infer<typeof sidecarSchema>;

export const bundleSignatureSchema = z.object({
  schema: z.literal(SIGNATURE_SCHEMA),
  alg: z.literal('ES256'),
  /** Always tagmanifest-sha256.txt: it fixes the hash of every tag file, and through manifest-sha256.txt of every payload file. */
  signedFile: z.literal('tagmanifest-sha256.txt'),
  signedFileSha256: sha256HexSchema,
  keyFingerprint: sha256HexSchema,
  publicKeyJwk: publicKeyJwkSchema,
  installationId: z.string(),
  signedAt: isoUtcSchema,
  /** base64url of the 64-byte IEEE P1363 r‖s ECDSA P-256 / SHA-256 signature over the signed file's bytes. */
  value: base64UrlSchema,
});
export type BundleSignature = z.infer<typeof bundleSignatureSchema>;

/** bag-info.txt labels Exhibit writes, in order. Bag-Group-Identifier and Bag-Count appear only for split exports. */
export const BAG_INFO_LABELS = {
  sourceOrganization: 'Source-Organization',
  contactName: 'Contact-Name',
  contactEmail: 'Contact-Email',
  externalDescription: 'External-Description',
  baggingDate: 'Bagging-Date',
  bagSize: 'Bag-Size',
  payloadOxum: 'Payload-Oxum',
  bagGroupIdentifier: 'Bag-Group-Identifier',
  bagCount: 'Bag-Count',
  periodName: 'Audit-Period-Name',
  periodStart: 'Audit-Period-Start',
  periodEnd: 'Audit-Period-End',
  periodTimeZone: 'Audit-Period-Time-Zone',
  selection: 'Exhibit-Selection',
  exportId: 'Exhibit-Export-Id',
  exhibitVersion: 'Exhibit-Version',
  captureCount: 'Exhibit-Capture-Count',
  signingKeyFingerprint: 'Signing-Key-Fingerprint',
} as const;

export const REQUIRED_BAG_INFO = [
  BAG_INFO_LABELS.sourceOrganization,
  BAG_INFO_LABELS.baggingDate,
  BAG_INFO_LABELS.payloadOxum,
  BAG_INFO_LABELS.periodStart,
  BAG_INFO_LABELS.periodEnd,
  BAG_INFO_LABELS.exhibitVersion,
  BAG_INFO_LABELS.signingKeyFingerprint,
] as const;

/** Where captures live in the payload: data/controls/<folder>/…, data/untagged/… and data/requests/<request>/[<sample>/]…. */
export function isEvidenceFolder(path: string): boolean {
  return /^data\/controls\/[^/]+\/[^/]+$/.test(path) || /^data\/untagged\/[^/]+$/.test(path) || /^data\/requests\/[^/]+\/([^/]+\/)?[^/]+$/.test(path);
}

/**
 * The filing rule of request folders: a sidecar under data/requests/<request>/ names that request
 * (its folder's name follows from the id), under …/<request>/<sample>/ also that sample, and is
 * filed under no control; a sidecar elsewhere names no request. `undefined`: the path is not a
 * request folder and the sidecar names no request (the control and untagged rules apply).
 */
export function requestFilingProblem(path: string, sc: Pick<Sidecar, 'filedUnder' | 'filedUnderRequest'>): string | null | undefined {
  const m = /^data\/requests\/([^/]+)\/(?:([^/]+)\/)?[^/]+$/.exec(path);
  const req = sc.filedUnderRequest;
  if (!m) return req ? `names request ${req.ref} but is not in a request folder (data/requests/…).` : undefined;
  if (!req) return 'is in a request folder but names no request (filedUnderRequest).';
  if (sc.filedUnder !== null) return `is in a request folder but is filed under control ${sc.filedUnder}.`;
  const [, requestSeg, sampleSeg] = m;
  if (!isNameFor(requestSeg!, req.ref, LIMITS.requestFolder, 'request')) return `is filed under request ${req.ref}, whose folder is not ${requestSeg}.`;
  if (sampleSeg === undefined && req.sampleLabel !== null) return `is filed under sample ${req.sampleLabel} of request ${req.ref}, but sits in the request's own folder.`;
  if (sampleSeg !== undefined && req.sampleLabel === null) return `is filed under request ${req.ref} as a whole, but sits in a sample's folder (${sampleSeg}).`;
  if (sampleSeg !== undefined && !isNameFor(sampleSeg, req.sampleLabel!, LIMITS.sampleFolder, 'sample')) return `is filed under sample ${req.sampleLabel} of request ${req.ref}, whose folder is not ${sampleSeg}.`;
  return null;
}

export function folderOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}
