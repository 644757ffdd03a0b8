// Verification of a bundle, shared by `exhibit verify`, the dashboard's verify page, import and
// the read-back check after every export. It never stops at the first problem: it names every
// file that fails and why, so an auditor (or a colleague importing) knows exactly what changed.
import { foldAnnotations } from '../annotations';
import { base64UrlDecode, canonicalJson, keyFingerprint, sha256Hex, verifyBytes } from '../capture/signing';
import {
  BAG_INFO,
  BAGIT,
  PAYLOAD_MANIFEST,
  SIGNATURE,
  TAG_MANIFEST,
  parseManifest,
  parseTagFile,
  tagValue,
} from './bagit';
import { BAG_INFO_LABELS, REQUIRED_BAG_INFO, bundleSignatureSchema, folderOf, isEvidenceFolder, requestFilingProblem, sidecarSchema, type BundleSignature, type Sidecar } from './format';
import { ZipBagSource, type BagSource } from './source';
import { DEFAULT_ZIP_LIMITS, ZipError, inlineRangeChecksummer, type ByteSource, type RangeChecksummer, type ZipLimits } from './zip-read';

export type ProblemCode =
  | 'archive-refused'
  | 'not-a-bag'
  | 'bagit-declaration'
  | 'file-missing'
  | 'file-unlisted'
  | 'manifest-syntax'
  | 'hash-mismatch'
  | 'payload-oxum'
  | 'bag-info'
  | 'signature-missing'
  | 'signature-invalid'
  | 'key-mismatch'
  | 'unexpected-key'
  | 'sidecar-invalid'
  | 'capture-signature'
  | 'capture-image'
  | 'capture-conflict'
  | 'annotation-mismatch'
  | 'orphan-image'
  | 'unreadable';

export interface VerifyProblem {
  /** Path inside the bag ("data/controls/CC6.2/….png"), or the archive's name for archive-level problems. */
  file: string;
  code: ProblemCode;
  message: string;
}

export interface SignerSummary {
  fingerprint: string;
  name: string;
  email: string;
  captures: number;
}

export interface VerifyReport {
  ok: boolean;
  source: string;
  problems: VerifyProblem[];
  files: number;
  payloadFiles: number;
  payloadBytes: number;
  captures: number;
  bagInfo: Record<string, string>;
  bundleSigner: { fingerprint: string; installationId: string; signedAt: string; valid: boolean } | null;
  captureSigners: SignerSummary[];
  expectedKeys: string[];
}

export interface VerifiedSidecar {
  path: string;
  sidecar: Sidecar;
}

export interface VerifyResult {
  report: VerifyReport;
  sidecars: VerifiedSidecar[];
}

export interface VerifyOptions {
  /** Fingerprints (SHA-256 JWK thumbprints, hex) allowed to have signed the bundle and its captures. */
  expectKeys?: readonly string[];
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Whether the result lists every parsed sidecar (import needs them; the read-back after an export does not). Default true. */
  collectSidecars?: boolean;
  /** SHA-256 as lowercase hex; Node passes its synchronous hash, far cheaper per small file than WebCrypto's. */
  sha256?: (bytes: Uint8Array) => string | Promise<string>;
  /** CRC-32 of zip entries; Node passes zlib's, several times faster than the built-in one. */
  crc32?: (bytes: Uint8Array) => number;
  /** Where the bytes of a zipped bag are checksummed: worker threads in the CLI, a Web Worker in the extension; by default `sha256` and `crc32` here. */
  checksummer?: RangeChecksummer;
  /** Checks an ES256 signature (raw r‖s) over `data`; the CLI passes its worker threads' (node:crypto). Default: WebCrypto on this thread. */
  verifyEs256?: (jwk: Sidecar['signer']['publicKeyJwk'], signature: Uint8Array, data: Uint8Array) => Promise<boolean>;
}

const KNOWN_TOP_FILES = new Set([BAGIT, BAG_INFO, PAYLOAD_MANIFEST, TAG_MANIFEST, SIGNATURE]);
const text = new TextDecoder('utf-8');

function emptyReport(source: string, expectKeys: readonly string[]): VerifyReport {
  return { ok: false, source, problems: [], files: 0, payloadFiles: 0, payloadBytes: 0, captures: 0, bagInfo: {}, bundleSigner: null, captureSigners: [], expectedKeys: [...expectKeys] };
}

/** Opens a zipped bundle and verifies it; a hostile or unreadable archive becomes one `archive-refused` problem. */
export async function verifyZipBlob(blob: Blob | ByteSource, label: string, options: VerifyOptions & { limits?: ZipLimits } = {}): Promise<VerifyResult & { source: ZipBagSource | null }> {
  let source: ZipBagSource;
  try {
    source = await ZipBagSource.open(blob, label, options.limits ?? DEFAULT_ZIP_LIMITS, { crc32: options.crc32 });
  } catch (err) {
    return { ...refusal(label, err, options.expectKeys ?? []), source: null };
  }
  return { ...(await verifyBag(source, options)), source };
}

export function refusal(label: string, err: unknown, expectKeys: readonly string[] = []): VerifyResult {
  const report = emptyReport(label, expectKeys);
  const message = err instanceof ZipError ? err.message : `The bundle could not be read: ${String((err as Error)?.message ?? err)}`;
  report.problems.push({ file: err instanceof ZipError && err.entry ? err.entry : label, code: err instanceof ZipError && err.code === 'unsupported' && /BagIt/.test(err.message) ? 'not-a-bag' : 'archive-refused', message });
  return { report, sidecars: [] };
}

function normaliseFingerprint(fp: string): string {
  return fp.trim().toLowerCase().replace(/[^0-9a-f]/g, '');
}

export async function verifyBag(source: BagSource, options: VerifyOptions = {}): Promise<VerifyResult> {
  const expectKeys = (options.expectKeys ?? []).map(normaliseFingerprint).filter(Boolean);
  const report = emptyReport(source.label, expectKeys);
  const problems = report.problems;
  const problem = (file: string, code: ProblemCode, message: string) => problems.push({ file, code, message });
  const has = (p: string) => source.files.has(p);
  report.files = source.files.size;

  if (!has(BAGIT)) {
    problem(BAGIT, 'not-a-bag', 'bagit.txt is missing: this is not a BagIt bag.');
    return { report, sidecars: [] };
  }

  // Capture signatures are checked as soon as each sidecar has been read (the ECDSA work runs while
  // later files are still being read and hashed); the results are taken up below, in path order.
  const keys = new Map<string, Promise<CryptoKey>>();
  const encoder = new TextEncoder();
  /** Whether `signature` (raw r‖s) verifies over `data` with `jwk`; false for a key or signature that cannot be used. */
  const verifyEs256 = async (jwk: Sidecar['signer']['publicKeyJwk'], signature: string, data: Uint8Array): Promise<boolean> => {
    try {
      const value = base64UrlDecode(signature);
      if (options.verifyEs256) return await options.verifyEs256(jwk, value, data);
      const id = `${jwk.x}.${jwk.y}`;
      if (!keys.has(id)) keys.set(id, crypto.subtle.importKey('jwk', { ...jwk, ext: true }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']));
      return await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, await keys.get(id)!, value as BufferSource, data as BufferSource);
    } catch {
      return false;
    }
  };
  /**
   * Each signed record checked, by its record key and the signer's key: the copies of a capture
   * filed in several folders carry the same record, whose signature is checked once. (A copy that
   * differs in any byte of its canonical record or signature has another key, and is checked.)
   */
  const verified = new Map<string, Promise<boolean>>();
  /**
   * A capture's record key (what tells two records of one capture apart: the SHA-256 of its
   * canonical record without the signature, a newline, then the canonical signature; a digest, not
   * kilobytes of text per capture kept until every file is read) and whether its signature verifies.
   * The canonical record is encoded once, for both.
   */
  const checkRecord = (cap: Sidecar['capture'], jwk: Sidecar['signer']['publicKeyJwk']): { key: string | Promise<string>; signature: Promise<boolean> } => {
    const { signature, ...unsigned } = cap;
    const data = encoder.encode(canonicalJson(unsigned));
    const tail = encoder.encode(`\n${canonicalJson(signature)}`);
    const keyed = new Uint8Array(data.length + tail.length);
    keyed.set(data);
    keyed.set(tail, data.length);
    const key = hash(keyed);
    if (key instanceof Promise) key.catch(() => undefined);
    const check = async () => {
      const id = `${await key}\n${jwk.x}.${jwk.y}`;
      let valid = verified.get(id);
      if (!valid) verified.set(id, (valid = verifyEs256(jwk, signature.value, data)));
      return valid;
    };
    return { key, signature: check() };
  };
  // Each sidecar is parsed as soon as it is read and boiled down to a compact record of what the
  // checks below need (SidecarRecord): a bundle of thousands of captures is checked without holding
  // every parsed sidecar, unless the caller asked for them (`collectSidecars`).
  const collect = options.collectSidecars !== false;
  const early = new Map<string, { ok: false; error: string } | ({ ok: true } & SidecarRecord)>();
  const startSidecar = (path: string, bytes: Uint8Array) => {
    if (!path.startsWith('data/') || !path.endsWith('.json')) return false;
    const parsed = safeJson(text.decode(bytes), sidecarSchema);
    if (!parsed.ok) early.set(path, parsed);
    else {
      const { key, signature } = checkRecord(parsed.value.capture, parsed.value.signer.publicKeyJwk);
      signature.catch(() => undefined);
      early.set(path, { ok: true, ...sidecarRecord(parsed.value, key, signature, collect) });
    }
    return true;
  };

  // Every file is read once, in archive order, and hashed; small files we need again are kept.
  const hash = options.sha256 ?? sha256Hex;
  const order = source instanceof ZipBagSource ? source.archiveOrder : [...source.files.keys()].sort();
  const hashes = new Map<string, string>();
  const kept = new Map<string, Uint8Array>();
  const keep = (p: string) => KNOWN_TOP_FILES.has(p) || (p.endsWith('.json') && isEvidenceFolder(p));
  let done = 0;
  if (source instanceof ZipBagSource) {
    // A zip is read in windows of whole entries, checksummed while the next window is read.
    await source.checkAll(order, {
      checksummer: options.checksummer ?? inlineRangeChecksummer(hash, options.crc32),
      hash,
      keep,
      signal: options.signal,
      onFile: (path, result) => {
        if ('error' in result) problem(path, 'unreadable', result.error.message);
        else {
          hashes.set(path, result.sha256);
          // A sidecar is parsed at once and its bytes dropped: thousands of them need not all be held twice.
          if (result.bytes && !startSidecar(path, result.bytes)) kept.set(path, result.bytes);
        }
        options.onProgress?.(++done, order.length);
      },
    });
  } else {
    for (const path of order) {
      if (options.signal?.aborted) throw options.signal.reason ?? new DOMException('Verification cancelled', 'AbortError');
      try {
        const bytes = await source.read(path);
        hashes.set(path, await hash(bytes));
        if (keep(path) && !startSidecar(path, bytes)) kept.set(path, bytes);
      } catch (err) {
        problem(path, 'unreadable', err instanceof Error ? err.message : String(err));
      }
      options.onProgress?.(++done, order.length);
    }
  }
  const readText = (p: string) => (kept.has(p) ? text.decode(kept.get(p)!) : undefined);

  // bagit.txt: version and encoding.
  const bagit = parseTagFile(readText(BAGIT) ?? '');
  if (tagValue(bagit.fields, 'BagIt-Version') !== '1.0' || tagValue(bagit.fields, 'Tag-File-Character-Encoding')?.toUpperCase() !== 'UTF-8') {
    problem(BAGIT, 'bagit-declaration', 'bagit.txt must declare "BagIt-Version: 1.0" and "Tag-File-Character-Encoding: UTF-8".');
  }

  // Payload manifest: every payload file listed, every listed file present and unchanged.
  const payload = [...source.files.keys()].filter((p) => p.startsWith('data/'));
  report.payloadFiles = payload.length;
  report.payloadBytes = payload.reduce((n, p) => n + source.files.get(p)!.size, 0);
  const manifestText = readText(PAYLOAD_MANIFEST);
  if (manifestText === undefined) {
    problem(PAYLOAD_MANIFEST, 'file-missing', 'manifest-sha256.txt is missing, so no payload file can be checked.');
  } else {
    const manifest = parseManifest(manifestText);
    for (const e of manifest.errors) problem(PAYLOAD_MANIFEST, 'manifest-syntax', e);
    for (const [path, expected] of manifest.entries) {
      if (!path.startsWith('data/')) {
        problem(PAYLOAD_MANIFEST, 'manifest-syntax', `lists ${path}, which is not under data/.`);
        continue;
      }
      const actual = hashes.get(path);
      if (!has(path)) problem(path, 'file-missing', 'listed in manifest-sha256.txt but missing from the bag (removed after bagging).');
      else if (actual !== undefined && actual !== expected) problem(path, 'hash-mismatch', `SHA-256 is ${actual}, manifest-sha256.txt says ${expected}: the file changed after bagging.`);
    }
    for (const path of payload) {
      if (!manifest.entries.has(path)) problem(path, 'file-unlisted', 'not listed in manifest-sha256.txt (added after bagging).');
    }
  }

  // Tag manifest: every tag file but itself and the signature, unchanged.
  const tagManifestText = readText(TAG_MANIFEST);
  const covered = new Set<string>();
  if (tagManifestText === undefined) {
    problem(TAG_MANIFEST, 'file-missing', 'tagmanifest-sha256.txt is missing, so the tag files and the signature cannot be checked.');
  } else {
    const tagManifest = parseManifest(tagManifestText);
    for (const e of tagManifest.errors) problem(TAG_MANIFEST, 'manifest-syntax', e);
    for (const [path, expected] of tagManifest.entries) {
      covered.add(path);
      if (path.startsWith('data/')) {
        problem(TAG_MANIFEST, 'manifest-syntax', `lists ${path}, a payload file; payload belongs in manifest-sha256.txt.`);
        continue;
      }
      const actual = hashes.get(path);
      if (!has(path)) problem(path, 'file-missing', 'listed in tagmanifest-sha256.txt but missing from the bag.');
      else if (actual !== undefined && actual !== expected) problem(path, 'hash-mismatch', `SHA-256 is ${actual}, tagmanifest-sha256.txt says ${expected}: the file changed after the bag was signed.`);
    }
    for (const required of [BAGIT, BAG_INFO, PAYLOAD_MANIFEST]) {
      if (has(required) && !covered.has(required)) problem(TAG_MANIFEST, 'file-unlisted', `does not cover ${required}, so changes to it would go unnoticed.`);
    }
  }
  for (const path of source.files.keys()) {
    if (path.startsWith('data/') || path === TAG_MANIFEST || path === SIGNATURE || covered.has(path)) continue;
    problem(path, 'file-unlisted', KNOWN_TOP_FILES.has(path) ? 'not covered by tagmanifest-sha256.txt.' : 'not covered by tagmanifest-sha256.txt (added after the bag was signed).');
  }

  // bag-info.txt: the fields Exhibit promises, and the payload's size and count.
  const bagInfoText = readText(BAG_INFO);
  if (bagInfoText === undefined) {
    problem(BAG_INFO, 'file-missing', 'bag-info.txt is missing.');
  } else {
    const info = parseTagFile(bagInfoText);
    for (const e of info.errors) problem(BAG_INFO, 'bag-info', e);
    for (const [label, value] of info.fields) report.bagInfo[label] = value;
    for (const label of REQUIRED_BAG_INFO) if (!tagValue(info.fields, label)) problem(BAG_INFO, 'bag-info', `has no ${label}.`);
    const oxum = tagValue(info.fields, BAG_INFO_LABELS.payloadOxum);
    const m = oxum ? /^(\d+)\.(\d+)$/.exec(oxum) : null;
    if (oxum && !m) problem(BAG_INFO, 'payload-oxum', `Payload-Oxum "${oxum}" is not "<octets>.<files>".`);
    if (m && (Number(m[1]) !== report.payloadBytes || Number(m[2]) !== report.payloadFiles)) {
      problem(BAG_INFO, 'payload-oxum', `Payload-Oxum says ${m[1]} bytes in ${m[2]} files; the payload has ${report.payloadBytes} bytes in ${report.payloadFiles} files.`);
    }
    const count = tagValue(info.fields, BAG_INFO_LABELS.bagCount);
    if (count && !/^\d+ of (\d+|\?)$/.test(count)) problem(BAG_INFO, 'bag-info', `Bag-Count "${count}" is not "<n> of <total>".`);
  }

  // signature.json: an ES256 signature over the exact bytes of tagmanifest-sha256.txt.
  const signatureText = readText(SIGNATURE);
  let bundleSignature: BundleSignature | null = null;
  if (signatureText === undefined) {
    problem(SIGNATURE, 'signature-missing', 'signature.json is missing: nothing proves who made this bundle.');
  } else {
    const parsed = safeJson(signatureText, bundleSignatureSchema);
    if (!parsed.ok) problem(SIGNATURE, 'signature-invalid', `is not a valid Exhibit bundle signature: ${parsed.error}`);
    else bundleSignature = parsed.value;
  }
  if (bundleSignature) {
    const sig = bundleSignature;
    const derived = await keyFingerprint(sig.publicKeyJwk);
    const tagBytes = kept.get(TAG_MANIFEST);
    let valid = false;
    if (derived !== sig.keyFingerprint) {
      problem(SIGNATURE, 'key-mismatch', `the public key's fingerprint is ${derived}, not the ${sig.keyFingerprint} it claims (key substitution).`);
    } else if (tagBytes) {
      if ((await sha256Hex(tagBytes)) !== sig.signedFileSha256) problem(SIGNATURE, 'signature-invalid', 'was made over a different tagmanifest-sha256.txt than the one in the bag.');
      valid = await verifyBytes(sig.publicKeyJwk, sig.value, tagBytes);
      if (!valid) problem(SIGNATURE, 'signature-invalid', 'the ECDSA signature does not verify over tagmanifest-sha256.txt: the tag manifest changed after signing, or the signature was swapped.');
    }
    const claimed = report.bagInfo[BAG_INFO_LABELS.signingKeyFingerprint];
    if (claimed && claimed.toLowerCase() !== sig.keyFingerprint) {
      problem(SIGNATURE, 'key-mismatch', `signed by key ${sig.keyFingerprint}, but bag-info.txt names ${claimed} as the signing key.`);
      valid = false;
    }
    if (expectKeys.length && !expectKeys.includes(sig.keyFingerprint)) {
      problem(SIGNATURE, 'unexpected-key', `signed by key ${sig.keyFingerprint}, which is not the expected key ${expectKeys.join(' or ')}.`);
      valid = false;
    }
    report.bundleSigner = { fingerprint: sig.keyFingerprint, installationId: sig.installationId, signedAt: sig.signedAt, valid };
  }

  // Captures: every sidecar's record verifies with its signer's key, and its image matches the record.
  /** A capture saved in parts: every part the signed record lists is in the folder, with the signed bytes. */
  function checkParts(path: string, folder: string, sc: CompactSidecar) {
    const cap = sc.capture;
    const signed = cap.parts ?? [];
    const files = sc.files.parts ?? [];
    if (signed.length === 0) {
      if (files.length) problem(path, 'sidecar-invalid', `lists ${files.length} image parts, but capture ${cap.id} was not saved in parts.`);
      return;
    }
    const n = signed.length;
    if (signed.some((p, i) => p.index !== i + 1) || signed[0]!.sha256 !== cap.image.sha256 || signed[0]!.bytes !== cap.image.bytes) {
      problem(path, 'sidecar-invalid', `the parts of capture ${cap.id} are not numbered 1 to ${n} with part 1 its image.`);
    }
    if (files.length !== n) problem(path, 'sidecar-invalid', `capture ${cap.id} was signed as ${n} image parts, but the sidecar lists ${files.length} part files: a part was left out or added.`);
    if (files.length && files[0] !== sc.files.image) problem(path, 'sidecar-invalid', `its first part file is ${files[0]}, not the image ${sc.files.image}.`);
    for (let i = 1; i < Math.min(n, files.length); i++) {
      const partPath = folder + files[i]!;
      const part = signed[i]!;
      if (!has(partPath)) {
        problem(partPath, 'file-missing', `part ${i + 1} of ${n} of capture ${cap.id} (named in ${path}) is missing.`);
        continue;
      }
      const actual = hashes.get(partPath);
      const size = source.files.get(partPath)!.size;
      if (actual !== undefined && actual !== part.sha256) problem(partPath, 'capture-image', `SHA-256 is ${actual}, but part ${i + 1} of ${n} of capture ${cap.id} was signed with ${part.sha256}: the image is not the one captured.`);
      else if (size !== part.bytes) problem(partPath, 'capture-image', `is ${size} bytes, but part ${i + 1} of ${n} of capture ${cap.id} was signed with ${part.bytes}.`);
    }
  }

  const sidecars: VerifiedSidecar[] = [];
  const byId = new Map<string, { path: string; canonical: string }>();
  const signers = new Map<string, SignerSummary>();
  const referenced = new Set<string>();
  const signerKeysChecked = new Map<string, boolean>();
  for (const path of [...early.keys()].sort()) {
    const pre = early.get(path)!;
    early.delete(path);
    if (!pre.ok) {
      problem(path, 'sidecar-invalid', `is not a valid capture sidecar: ${pre.error}`);
      continue;
    }
    const sc = pre.sidecar;
    const folder = folderOf(path);
    const cap = sc.capture;
    const partFiles = sc.files.parts ?? [];
    const names = [sc.files.image, ...sc.files.tables, ...partFiles];
    if (names.some((n) => n.includes('/') || n === '..' || n === '.')) {
      problem(path, 'sidecar-invalid', 'names a file outside its own folder.');
      continue;
    }
    const imagePath = folder + sc.files.image;
    referenced.add(imagePath);
    for (const p of partFiles) referenced.add(folder + p);
    for (const t of sc.files.tables) {
      referenced.add(folder + t);
      if (!has(folder + t)) problem(folder + t, 'file-missing', `the table of capture ${cap.id} named in ${path} is missing.`);
    }
    if (sc.files.thumbnail && !has(`data/${sc.files.thumbnail}`)) problem(`data/${sc.files.thumbnail}`, 'file-missing', `the thumbnail of capture ${cap.id} is missing.`);

    let keyOk = signerKeysChecked.get(sc.signer.fingerprint + JSON.stringify(sc.signer.publicKeyJwk));
    if (keyOk === undefined) {
      keyOk = (await keyFingerprint(sc.signer.publicKeyJwk)) === sc.signer.fingerprint;
      signerKeysChecked.set(sc.signer.fingerprint + JSON.stringify(sc.signer.publicKeyJwk), keyOk);
    }
    if (!keyOk) problem(path, 'key-mismatch', `the signer's public key does not have the fingerprint ${sc.signer.fingerprint} (key substitution).`);
    else if (cap.signingKeyFingerprint !== sc.signer.fingerprint || cap.signature.keyFingerprint !== sc.signer.fingerprint) {
      problem(path, 'key-mismatch', `capture ${cap.id} was signed by key ${cap.signingKeyFingerprint}, but the sidecar supplies key ${sc.signer.fingerprint}.`);
    } else if (!(await pre.signature)) {
      problem(path, 'capture-signature', `the signature of capture ${cap.id} does not verify: its record was changed after capture.`);
    }
    if (expectKeys.length && !expectKeys.includes(cap.signingKeyFingerprint)) {
      problem(path, 'unexpected-key', `capture ${cap.id} is signed by key ${cap.signingKeyFingerprint}, which is not an expected key.`);
    }

    if (!has(imagePath)) problem(imagePath, 'file-missing', `the evidence image of capture ${cap.id} (named in ${path}) is missing.`);
    else {
      const actual = hashes.get(imagePath);
      const size = source.files.get(imagePath)!.size;
      if (actual !== undefined && actual !== cap.image.sha256) problem(imagePath, 'capture-image', `SHA-256 is ${actual}, but capture ${cap.id} was signed with ${cap.image.sha256}: the image is not the one captured.`);
      else if (size !== cap.image.bytes) problem(imagePath, 'capture-image', `is ${size} bytes, but capture ${cap.id} was signed with ${cap.image.bytes}.`);
    }
    checkParts(path, folder, sc);

    if (pre.foreignEvent) problem(path, 'annotation-mismatch', `its annotation history holds event ${pre.foreignEvent} of another capture.`);
    if (!pre.annotationFollows) {
      problem(path, 'annotation-mismatch', `the tags or note of capture ${cap.id} do not follow from its annotation history.`);
    }
    const underUntagged = path.startsWith('data/untagged/');
    const requestFiling = requestFilingProblem(path, sc);
    if (requestFiling !== undefined) {
      if (requestFiling) problem(path, 'annotation-mismatch', requestFiling);
    } else if (underUntagged ? sc.filedUnder !== null : sc.filedUnder === null || !sc.annotation.controlIds.includes(sc.filedUnder)) {
      problem(path, 'annotation-mismatch', underUntagged ? 'is filed as untagged but names a control.' : `is filed under a control (${sc.filedUnder ?? 'none'}) the capture is not tagged with.`);
    }

    const canonical = await pre.recordKey;
    const earlier = byId.get(cap.id);
    if (earlier && earlier.canonical !== canonical) problem(path, 'capture-conflict', `holds a different record for capture ${cap.id} than ${earlier.path}.`);
    if (!earlier) {
      byId.set(cap.id, { path, canonical });
      const s = signers.get(sc.signer.fingerprint) ?? { fingerprint: sc.signer.fingerprint, name: sc.signer.name, email: sc.signer.email, captures: 0 };
      s.captures++;
      signers.set(sc.signer.fingerprint, s);
    }
    if (pre.full) sidecars.push({ path, sidecar: pre.full });
  }
  for (const path of payload) {
    if (isEvidenceFolder(path) && path.endsWith('.png') && !referenced.has(path)) {
      problem(path, 'orphan-image', 'is an evidence image without a capture sidecar beside it, so nothing attests to it.');
    }
  }
  report.captures = byId.size;
  report.captureSigners = [...signers.values()];
  report.ok = problems.length === 0;
  return { report, sidecars };
}

/** The fields of a sidecar the checks of verifyBag read (the capture record only in part, the annotation history not at all). */
export type CompactSidecar = Pick<Sidecar, 'filedUnder' | 'filedUnderRequest' | 'files'> & {
  capture: Pick<Sidecar['capture'], 'id' | 'signingKeyFingerprint' | 'signature' | 'image' | 'parts'>;
  signer: Pick<Sidecar['signer'], 'fingerprint' | 'publicKeyJwk' | 'name' | 'email'>;
  annotation: Pick<Sidecar['annotation'], 'controlIds'>;
};

/** What verifyBag keeps of one parsed sidecar until every file has been read and hashed. */
export interface SidecarRecord {
  sidecar: CompactSidecar;
  /** Identifies the signed record (a digest of it): two sidecars of one capture must agree on it. */
  recordKey: string | Promise<string>;
  /** Whether the capture's signature verifies (under way). */
  signature: Promise<boolean>;
  /** The id of an annotation event of another capture in the history, if any. */
  foreignEvent: string | null;
  /** Whether the tags and note follow from the annotation history. */
  annotationFollows: boolean;
  /** The whole sidecar, only when the caller collects them. */
  full?: Sidecar;
}

/** The compact record of a parsed sidecar: the annotation checks done at once, the rest kept small. */
export function sidecarRecord(sc: Sidecar, recordKey: string | Promise<string>, signature: Promise<boolean>, keepFull: boolean): SidecarRecord {
  const cap = sc.capture;
  const folded = foldAnnotations(cap.id, sc.annotationHistory);
  const compact: CompactSidecar = {
    filedUnder: sc.filedUnder,
    ...(sc.filedUnderRequest ? { filedUnderRequest: sc.filedUnderRequest } : {}),
    files: sc.files,
    capture: { id: cap.id, signingKeyFingerprint: cap.signingKeyFingerprint, signature: cap.signature, image: cap.image, ...(cap.parts ? { parts: cap.parts } : {}) },
    signer: { fingerprint: sc.signer.fingerprint, publicKeyJwk: sc.signer.publicKeyJwk, name: sc.signer.name, email: sc.signer.email },
    annotation: { controlIds: sc.annotation.controlIds },
  };
  return {
    sidecar: compact,
    recordKey,
    signature,
    foreignEvent: sc.annotationHistory.find((e) => e.captureId !== cap.id)?.id ?? null,
    annotationFollows: JSON.stringify(folded.controlIds) === JSON.stringify([...sc.annotation.controlIds].sort()) && folded.note === sc.annotation.note,
    ...(keepFull ? { full: sc } : {}),
  };
}

function safeJson<T>(raw: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }): { ok: true; value: T } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: `not JSON (${(err as Error).message})` };
  }
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: r.error.issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(top)'}: ${i.message}`).join('; ') };
}

/** One line per problem, then a summary: what the CLI prints and the dashboard shows. */
export function formatReport(report: VerifyReport): string {
  const lines = report.problems.map((p) => `FAIL ${p.file}: ${p.message}`);
  if (report.ok) {
    const signer = report.bundleSigner ? `signed by key ${report.bundleSigner.fingerprint}` : 'unsigned';
    lines.push(`OK ${report.source}: ${report.captures} capture${report.captures === 1 ? '' : 's'}, ${report.payloadFiles} payload files (${report.payloadBytes} bytes) verified; bundle ${signer}.`);
    for (const s of report.captureSigners) lines.push(`   captures signed by ${s.fingerprint} (${s.name || 'unnamed'}${s.email ? ` <${s.email}>` : ''}): ${s.captures}`);
    if (!report.expectedKeys.length) lines.push('   No --expect-key given: compare the fingerprints above with the ones the team gave you.');
  } else {
    lines.push(`FAILED ${report.source}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${new Set(report.problems.map((p) => p.file)).size} file(s).`);
  }
  return lines.join('\n');
}
