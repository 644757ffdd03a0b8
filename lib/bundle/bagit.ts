// The BagIt (RFC 8493, version 1.0) text formats: bagit.txt, bag-info.txt and the manifests.

export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';
export const PAYLOAD_MANIFEST = 'manifest-sha256.txt';
export const TAG_MANIFEST = 'tagmanifest-sha256.txt';
export const BAG_INFO = 'bag-info.txt';
export const BAGIT = 'bagit.txt';
export const SIGNATURE = 'signature.json';

/** One `Label: value` line per field, in the given order; values are kept to one line. */
export function formatTagFile(fields: readonly (readonly [string, string])[]): string {
  return fields.map(([label, value]) => `${label}: ${value.replace(/[\r\n]+/g, ' ').trim()}\n`).join('');
}

/** Parses a tag file (bagit.txt, bag-info.txt); continuation lines start with whitespace (RFC 8493 §2.2.2). */
export function parseTagFile(text: string): { fields: [string, string][]; errors: string[] } {
  const fields: [string, string][] = [];
  const errors: string[] = [];
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
  lines.forEach((line, i) => {
    if (line === '') return;
    if (/^[ \t]/.test(line)) {
      const last = fields[fields.length - 1];
      if (last) last[1] = `${last[1]} ${line.trim()}`;
      else errors.push(`line ${i + 1} continues a field that does not exist`);
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      errors.push(`line ${i + 1} is not "Label: value"`);
      return;
    }
    fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  });
  return { fields, errors };
}

export function tagValue(fields: readonly (readonly [string, string])[], label: string): string | undefined {
  return fields.find(([l]) => l.toLowerCase() === label.toLowerCase())?.[1];
}

/** RFC 8493 §2.1.3: a path in a manifest percent-encodes CR, LF and %. */
export function encodeManifestPath(path: string): string {
  return path.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function decodeManifestPath(path: string): string {
  return path.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

export interface ManifestEntry {
  path: string;
  sha256: string;
}

/** `<sha256>  <path>` lines, sorted by path so the same bag always gives the same bytes. */
export function formatManifest(entries: readonly ManifestEntry[]): string {
  return [...entries]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => `${e.sha256}  ${encodeManifestPath(e.path)}\n`)
    .join('');
}

export interface ParsedManifest {
  entries: Map<string, string>;
  /** Line-level problems: "line 3: …". */
  errors: string[];
}

export function parseManifest(text: string): ParsedManifest {
  const entries = new Map<string, string>();
  const errors: string[] = [];
  text.split(/\r\n|\n/).forEach((line, i) => {
    if (line === '') return;
    const m = /^([0-9a-fA-F]{64})[ \t]+(.+)$/.exec(line);
    if (!m) {
      errors.push(`line ${i + 1} is not "<64 hex digits> <path>"`);
      return;
    }
    const path = decodeManifestPath(m[2]!.replace(/^\*/, ''));
    if (entries.has(path)) errors.push(`line ${i + 1} lists ${path} a second time`);
    entries.set(path, m[1]!.toLowerCase());
  });
  return { entries, errors };
}

/** "<octets>.<file count>" of the payload (RFC 8493 §2.2.2). */
export function payloadOxum(bytes: number, files: number): string {
  return `${bytes}.${files}`;
}

/** A size people read: "3.2 MB". */
export function humanSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = -1;
  do {
    v /= 1000;
    u++;
  } while (v >= 1000 && u < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
