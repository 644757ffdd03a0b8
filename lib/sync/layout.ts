// Where each thing lives in the bucket (docs/sync.md), under the team's prefix:
//   signers/<key fingerprint>.json                    an installation's public key
//   captures/<capture id>-<image sha256>/<file>       image.png, thumbnail.jpg, image-part-N.png, tables/N.csv
//   captures/<capture id>-<image sha256>.json         the signed record + file list, written last
//   events/<installation id>/<first event id>-<ids hash>.json   a signed batch of annotation events, never rewritten
// Keys are derived from content (capture id and image hash; event ids), so the same upload always
// lands on the same key and a second upload of it is refused by If-None-Match, never duplicated.

/** Refused before download when the bucket lists them larger; bodies are also cut off at these sizes while read. */
export const LIMITS = {
  signer: 16 * 1024,
  manifest: 1024 * 1024,
  events: 8 * 1024 * 1024,
  file: 64 * 1024 * 1024,
} as const;

/** Events per uploaded batch object. */
export const EVENTS_PER_BATCH = 500;

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
const SHA = '[0-9a-f]{64}';

export const CONNECTION_TEST_FOLDER = '.exhibit-connection-test/';

export function signerKey(prefix: string, fingerprint: string): string {
  return `${prefix}signers/${fingerprint}.json`;
}

export function captureBase(prefix: string, captureId: string, imageSha256: string): string {
  return `${prefix}captures/${captureId}-${imageSha256}`;
}

export function manifestKey(prefix: string, captureId: string, imageSha256: string): string {
  return `${captureBase(prefix, captureId, imageSha256)}.json`;
}

export function fileKey(prefix: string, captureId: string, imageSha256: string, name: string): string {
  return `${captureBase(prefix, captureId, imageSha256)}/${name}`;
}

/** `idsHash`: the first 16 hex digits of the SHA-256 of the batch's event ids, sorted and joined by ",". */
export function eventsKey(prefix: string, installationId: string, firstEventId: string, idsHash: string): string {
  return `${prefix}events/${installationId}/${firstEventId}-${idsHash}.json`;
}

export type ParsedKey =
  | { kind: 'signer'; fingerprint: string }
  | { kind: 'capture'; captureId: string; imageSha256: string }
  | { kind: 'events'; installationId: string; firstEventId: string; idsHash: string };

/** What a listed key is, or null for keys that are not Exhibit's objects (ignored). */
export function parseKey(prefix: string, key: string): ParsedKey | null {
  if (!key.startsWith(prefix)) return null;
  const rest = key.slice(prefix.length);
  let m = new RegExp(`^signers/(${SHA})\\.json$`).exec(rest);
  if (m) return { kind: 'signer', fingerprint: m[1]! };
  m = new RegExp(`^captures/(${ULID})-(${SHA})\\.json$`).exec(rest);
  if (m) return { kind: 'capture', captureId: m[1]!, imageSha256: m[2]! };
  m = new RegExp(`^events/([0-9A-Za-z_-]{1,64})/(${ULID})-([0-9a-f]{16})\\.json$`).exec(rest);
  if (m) return { kind: 'events', installationId: m[1]!, firstEventId: m[2]!, idsHash: m[3]! };
  return null;
}

/** A stable id of where the team's objects live: a change of it starts the sync afresh. */
export function targetId(t: { endpoint: string; bucket: string; prefix: string }): string {
  return `${t.endpoint}|${t.bucket}|${t.prefix}`;
}
