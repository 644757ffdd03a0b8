// Reads a zip archive from a Blob (a dropped File in the dashboard) or a file handle (Node)
// without trusting it. The central directory is read first and the whole archive is refused —
// before a single byte is inflated — if any entry climbs out of the archive (`../`), is
// absolute, is a symbolic link or device, repeats a name (also by letter case), overlaps another
// entry, is encrypted, or declares sizes past the limits (a zip bomb). While inflating, an entry
// that produces more bytes than it declared is stopped at once, and every entry's CRC-32 is
// checked. Reads are random access (Blob.slice, or positioned file reads), so memory stays at the
// size of one entry and a window or two of the archive.

export class ZipError extends Error {
  constructor(
    readonly code: 'not-zip' | 'truncated' | 'unsafe-entry' | 'too-large' | 'unsupported' | 'corrupt',
    message: string,
    readonly entry?: string,
  ) {
    super(message);
    this.name = 'ZipError';
  }
}

export interface ZipLimits {
  /** Most entries an archive may have. */
  maxEntries: number;
  /** Largest declared (uncompressed) size of one entry. */
  maxEntryBytes: number;
  /** Largest declared total of all entries. */
  maxTotalBytes: number;
  /** Largest declared total / archive size, checked once the total passes `ratioFloorBytes`. */
  maxRatio: number;
  ratioFloorBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 500_000,
  maxEntryBytes: 1024 ** 3,
  maxTotalBytes: 64 * 1024 ** 3,
  maxRatio: 100,
  ratioFloorBytes: 256 * 1024 ** 2,
};

export interface ZipEntry {
  name: string;
  directory: boolean;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;

/**
 * Random access to an archive's bytes: a Blob (a dropped File in the browser), or in Node a file
 * handle read straight into memory (cheaper than a file-backed Blob, which reads in small pieces
 * and joins them).
 */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes from `start` (a fresh array the caller may keep). */
  read(start: number, length: number): Promise<Uint8Array>;
  /**
   * A window of the bytes without reading them here: a Blob slice where the source is a Blob, or
   * (a file the checksummer's threads read themselves) just its range.
   */
  slice?(start: number, end: number): Blob | ByteRange;
  /**
   * True when each array `read` returns is the only view of its ArrayBuffer (which may be longer,
   * a reused buffer): the whole buffer can then be handed to a worker without copying the bytes.
   */
  readonly ownBuffers?: boolean;
}

export function blobByteSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    read: async (start, length) => new Uint8Array(await blob.slice(start, start + length).arrayBuffer()),
    slice: (start, end) => blob.slice(start, end),
  };
}

/** The most bytes checkAll reads at once (unless one entry is larger): sources may size reusable buffers by it. */
export const ZIP_WINDOW_BYTES = 8 * 1024 * 1024;

/** Options for reading: `crc32` replaces the built-in CRC-32 (Node passes zlib's, several times faster). */
export interface ZipReadOptions {
  crc32?: (data: Uint8Array) => number;
}

/** CRC-32 and SHA-256 of ranges of one buffer; a worker-backed one takes the buffer by transfer. */
export interface RangeChecksummer {
  /** How many calls can usefully run at once. */
  readonly parallel: number;
  sums(buffer: ArrayBuffer, ranges: readonly { start: number; length: number }[]): Promise<{ crc32: number; sha256: string }[]>;
  /**
   * Where the checksums are computed on another thread: reads a window of the archive (a Blob
   * slice) there and runs checkWindow on it, so the bytes never enter the caller's memory; only
   * local headers, sums and the entries to keep come back.
   */
  windows?(window: Blob | ByteRange, entries: readonly WindowEntry[]): Promise<WindowResult[]>;
}

/** A range of a file that whoever checksums it reads itself (the CLI's hashing threads read the archive's file). */
export interface ByteRange {
  start: number;
  end: number;
}

/** An entry of a window: its local header `at` bytes into the window, and `region` bytes up to the next entry. */
export interface WindowEntry {
  at: number;
  region: number;
  size: number;
  keep: boolean;
}

/** What checkWindow found for an entry: a copy of its local header, where its data starts in the window, and its sums (absent when its data does not fit its region). */
export type WindowResult = { header: Uint8Array; start: number; sums?: { crc32: number; sha256: string }; bytes?: Uint8Array };

/**
 * The bulk of reading back a window of stored entries, wherever its bytes are: each entry's local
 * header is copied out (the reader checks it against the directory) and its data checksummed;
 * entries to keep come back as copies. The copies are views of one new buffer (a worker hands
 * back one ArrayBuffer per window, not one per entry); none overlaps another.
 */
export async function checkWindow(
  bytes: Uint8Array,
  entries: readonly WindowEntry[],
  crc: (data: Uint8Array) => number,
  hash: (data: Uint8Array) => string | Promise<string>,
): Promise<WindowResult[]> {
  const out: WindowResult[] = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const e of entries) {
    const limit = Math.min(bytes.length, e.at + e.region);
    const fixed = e.at + 30 <= limit && v.getUint32(e.at, true) === SIG_LOCAL;
    const start = fixed ? e.at + 30 + v.getUint16(e.at + 26, true) + v.getUint16(e.at + 28, true) : -1;
    const header = bytes.subarray(e.at, fixed ? Math.min(start, limit) : Math.min(e.at + 30, limit));
    if (!fixed || start + e.size > limit) {
      out.push({ header, start });
      continue;
    }
    const data = bytes.subarray(start, start + e.size);
    out.push({ header, start, sums: { crc32: crc(data), sha256: await hash(data) }, ...(e.keep ? { bytes: data } : {}) });
  }
  let total = 0;
  for (const r of out) total += r.header.length + (r.bytes?.length ?? 0);
  const copies = new Uint8Array(total);
  let at = 0;
  const copy = (view: Uint8Array) => {
    copies.set(view, at);
    at += view.length;
    return copies.subarray(at - view.length, at);
  };
  for (const r of out) {
    r.header = copy(r.header);
    if (r.bytes) r.bytes = copy(r.bytes);
  }
  return out;
}

/** Checksums on the calling thread, with the given (or built-in) functions. */
export function inlineRangeChecksummer(hash: (bytes: Uint8Array) => string | Promise<string>, crc: (bytes: Uint8Array) => number = crc32): RangeChecksummer {
  return {
    parallel: 1,
    windows: async (window, entries) => {
      if (!(window instanceof Blob)) throw new Error('This checksummer reads windows given as Blobs only.');
      return checkWindow(new Uint8Array(await window.arrayBuffer()), entries, crc, hash);
    },
    async sums(buffer, ranges) {
      const out: { crc32: number; sha256: string }[] = [];
      for (const r of ranges) {
        const view = new Uint8Array(buffer, r.start, r.length);
        out.push({ crc32: crc(view), sha256: await hash(view) });
      }
      return out;
    },
  };
}

async function bytesAt(source: ByteSource, start: number, length: number): Promise<Uint8Array> {
  if (start < 0 || start + length > source.size) throw new ZipError('truncated', 'The archive is truncated: it ends before the data its directory points to.');
  return source.read(start, length);
}

/**
 * Reads through a window of WINDOW bytes: reading entries in archive order costs one read per
 * window instead of two per entry (each Blob read is a round trip to the browser's blob store,
 * which dominates for thousands of small files). Read front to back, the next window is already
 * being read while the caller works on this one.
 */
class WindowedReader {
  private static readonly WINDOW = 8 * 1024 * 1024;
  private start = 0;
  private bytes: Uint8Array = new Uint8Array();
  private ahead: { start: number; bytes: Promise<Uint8Array> } | null = null;
  constructor(private readonly source: ByteSource) {}

  private fetch(start: number): Promise<Uint8Array> {
    const bytes = this.source.read(start, Math.min(this.source.size, start + WindowedReader.WINDOW) - start);
    bytes.catch(() => undefined);
    return bytes;
  }

  private readAhead(): void {
    const next = this.start + this.bytes.length;
    this.ahead = next < this.source.size ? { start: next, bytes: this.fetch(next) } : null;
  }

  /**
   * `length` bytes from `start`. The result may be a view of the window, valid only until the next
   * call: callers that keep bytes copy them (`read` does).
   */
  async view(start: number, length: number): Promise<Uint8Array> {
    if (start < 0 || start + length > this.source.size) throw new ZipError('truncated', 'The archive is truncated: it ends before the data its directory points to.');
    const end = this.start + this.bytes.length;
    if (start >= this.start && start + length <= end) return this.bytes.subarray(start - this.start, start - this.start + length);
    if (length >= WindowedReader.WINDOW) return this.source.read(start, length);
    if (this.ahead && start >= this.start && start < end && this.ahead.start === end) {
      // Straddles this window and the next one, already on its way: join the two pieces.
      const next = await this.ahead.bytes;
      const out = new Uint8Array(length);
      out.set(this.bytes.subarray(start - this.start));
      out.set(next.subarray(0, length - (end - start)), end - start);
      this.start = end;
      this.bytes = next;
      this.readAhead();
      return out;
    }
    if (this.ahead && start >= this.ahead.start) {
      const next = await this.ahead.bytes;
      if (start + length <= this.ahead.start + next.length) {
        this.start = this.ahead.start;
        this.bytes = next;
        this.readAhead();
        return this.bytes.subarray(start - this.start, start - this.start + length);
      }
    }
    // Somewhere else: a window from here, and the one after it on its way (reads go forward).
    this.start = start;
    this.bytes = await this.fetch(start);
    this.readAhead();
    return this.bytes.subarray(0, length);
  }

  /** As `view`, but a copy the caller may keep without pinning a whole window in memory. */
  async read(start: number, length: number): Promise<Uint8Array> {
    return (await this.view(start, length)).slice();
  }
}

function u64(view: DataView, at: number): number {
  const value = view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
  if (!Number.isSafeInteger(value)) throw new ZipError('too-large', 'The archive declares a size beyond 2^53 bytes.');
  return value;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** How a name compares with others for clashes: Unicode NFC, lower case (ASCII names, nearly all, need no normalising). */
function folded(name: string): string {
  return (/^[\x00-\x7f]*$/.test(name) ? name : name.normalize('NFC')).toLowerCase();
}

function decodeName(raw: Uint8Array): string {
  try {
    return decoder.decode(raw);
  } catch {
    throw new ZipError('unsafe-entry', 'An entry name is not valid UTF-8; refusing an archive whose names cannot be read reliably.');
  }
}

/** Why a name is unsafe to extract or to trust, or null. */
export function unsafeNameReason(name: string): string | null {
  if (name === '') return 'has an empty name';
  if (name.includes('\0')) return 'has a NUL character in its name';
  if (name.includes('\\')) return 'uses a backslash in its path (ambiguous between Windows and other systems)';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'has an absolute path';
  const parts = name.replace(/\/$/, '').split('/');
  if (parts.some((p) => p === '..')) return 'climbs out of the archive with ".."';
  if (parts.some((p) => p === '' || p === '.')) return 'has an empty or "." path segment';
  return null;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

export class ZipArchive {
  private constructor(
    readonly source: ByteSource,
    readonly entries: readonly ZipEntry[],
    private readonly crc: (data: Uint8Array) => number,
    /** Where the central directory starts: the end of the last entry's data. */
    private readonly directoryOffset: number,
  ) {
    this.reader = new WindowedReader(source);
  }

  private readonly reader: WindowedReader;

  readonly byName = new Map<string, ZipEntry>();

  static async open(input: Blob | ByteSource, limits: ZipLimits = DEFAULT_ZIP_LIMITS, options: ZipReadOptions = {}): Promise<ZipArchive> {
    const source = input instanceof Blob ? blobByteSource(input) : input;
    const size = source.size;
    if (size < 22) throw new ZipError('not-zip', size === 0 ? 'The file is empty, not a zip archive.' : 'The file is too short to be a zip archive.');
    const tailLength = Math.min(size, 22 + 0xffff + 20);
    const tailStart = size - tailLength;
    const tail = await bytesAt(source, tailStart, tailLength);
    const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === SIG_EOCD && i + 22 + tv.getUint16(i + 20, true) <= tail.length) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      const head = await bytesAt(source, 0, 4);
      const looksZip = new DataView(head.buffer).getUint32(0, true) === SIG_LOCAL;
      throw looksZip
        ? new ZipError('truncated', 'The zip archive is truncated: its end-of-archive directory is missing (an interrupted download or copy?).')
        : new ZipError('not-zip', 'The file is not a zip archive.');
    }
    if (tv.getUint16(eocd + 4, true) !== 0 || tv.getUint16(eocd + 6, true) !== 0) {
      throw new ZipError('unsupported', 'Multi-volume (spanned) zip archives are not supported; join the parts into one archive.');
    }
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    let directoryEnd = tailStart + eocd;
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || tv.getUint32(loc, true) !== SIG_EOCD64_LOCATOR) throw new ZipError('corrupt', 'The archive needs a Zip64 end record but has none.');
      const eocd64Offset = u64(tv, loc + 8);
      const rec = await bytesAt(source, eocd64Offset, 56);
      const rv = new DataView(rec.buffer);
      if (rv.getUint32(0, true) !== SIG_EOCD64) throw new ZipError('corrupt', 'The archive\u2019s Zip64 end record is missing or damaged.');
      count = u64(rv, 32);
      cdSize = u64(rv, 40);
      cdOffset = u64(rv, 48);
      directoryEnd = eocd64Offset;
    }
    if (count > limits.maxEntries) throw new ZipError('too-large', `The archive has ${count} entries; at most ${limits.maxEntries} are accepted.`);
    if (cdOffset + cdSize > directoryEnd) throw new ZipError('truncated', 'The zip archive is truncated or damaged: its directory lies outside the file.');
    if (cdSize > count * (46 + 3 * 0xffff)) throw new ZipError('corrupt', 'The archive\u2019s directory is larger than its entries can be.');

    const cd = await bytesAt(source, cdOffset, cdSize);
    const cv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
    const entries: ZipEntry[] = [];
    /** Each entry's name length in bytes, by its index in `entries`. */
    const nameBytes = new Uint16Array(count);
    const seen = new Map<string, string>();
    let total = 0;
    let pos = 0;
    for (let i = 0; i < count; i++) {
      if (pos + 46 > cd.length || cv.getUint32(pos, true) !== SIG_CENTRAL) throw new ZipError('corrupt', 'The archive\u2019s directory is damaged (an entry header is missing).');
      const madeBy = cv.getUint16(pos + 4, true);
      const flags = cv.getUint16(pos + 8, true);
      const method = cv.getUint16(pos + 10, true);
      const crc32 = cv.getUint32(pos + 16, true);
      let compressedSize = cv.getUint32(pos + 20, true);
      let size = cv.getUint32(pos + 24, true);
      const nameLength = cv.getUint16(pos + 28, true);
      const extraLength = cv.getUint16(pos + 30, true);
      const commentLength = cv.getUint16(pos + 32, true);
      const externalAttributes = cv.getUint32(pos + 38, true);
      let localHeaderOffset = cv.getUint32(pos + 42, true);
      if (pos + 46 + nameLength + extraLength + commentLength > cd.length) throw new ZipError('corrupt', 'The archive\u2019s directory is damaged (an entry runs past its end).');
      const name = decodeName(cd.subarray(pos + 46, pos + 46 + nameLength));
      // Zip64 extra field: the 64-bit values of the fields set to 0xFFFFFFFF, in this order.
      let extra = pos + 46 + nameLength;
      const extraEnd = extra + extraLength;
      while (extra + 4 <= extraEnd) {
        const id = cv.getUint16(extra, true);
        const len = cv.getUint16(extra + 2, true);
        if (id === 0x0001) {
          let at = extra + 4;
          const need = (cond: boolean) => {
            if (!cond) return false;
            if (at + 8 > extra + 4 + len) throw new ZipError('corrupt', `Entry "${name}" has a damaged Zip64 field.`, name);
            return true;
          };
          if (need(size === 0xffffffff)) (size = u64(cv, at)), (at += 8);
          if (need(compressedSize === 0xffffffff)) (compressedSize = u64(cv, at)), (at += 8);
          if (need(localHeaderOffset === 0xffffffff)) (localHeaderOffset = u64(cv, at)), (at += 8);
        }
        extra += 4 + len;
      }
      pos = extraEnd + commentLength;

      const unsafe = unsafeNameReason(name);
      if (unsafe) throw new ZipError('unsafe-entry', `Entry "${name}" ${unsafe}; the archive was refused and nothing was extracted.`, name);
      const host = madeBy >> 8;
      const mode = externalAttributes >>> 16;
      // Unix (3) and macOS (19) keep the file type in the high bits of the external attributes.
      if ((host === 3 || host === 19) && mode !== 0) {
        const type = mode & S_IFMT;
        if (type === S_IFLNK) throw new ZipError('unsafe-entry', `Entry "${name}" is a symbolic link; the archive was refused and nothing was extracted.`, name);
        if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) throw new ZipError('unsafe-entry', `Entry "${name}" is a device, socket or pipe, not a file.`, name);
      }
      if (flags & 0x0001) throw new ZipError('unsupported', `Entry "${name}" is encrypted; encrypted archives are not accepted.`, name);
      if (method !== 0 && method !== 8) throw new ZipError('unsupported', `Entry "${name}" uses compression method ${method}; only stored and deflated entries are supported.`, name);
      const directory = name.endsWith('/');
      if (method === 0 && compressedSize !== size) throw new ZipError('corrupt', `Entry "${name}" is stored but declares different packed and unpacked sizes.`, name);

      const key = folded(name.replace(/\/$/, ''));
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        throw new ZipError(
          'unsafe-entry',
          earlier === name ? `Entry "${name}" appears twice; the archive was refused.` : `Entries "${earlier}" and "${name}" differ only by letter case and would overwrite each other when extracted.`,
          name,
        );
      }
      seen.set(key, name);

      if (size > limits.maxEntryBytes) throw new ZipError('too-large', `Entry "${name}" declares ${size} bytes, more than the limit of ${limits.maxEntryBytes}; refused before inflating.`, name);
      total += size;
      if (total > limits.maxTotalBytes) throw new ZipError('too-large', `The archive declares more than ${limits.maxTotalBytes} bytes in total once unpacked; refused before inflating.`);
      nameBytes[entries.length] = nameLength;
      entries.push({ name, directory, method, crc32, compressedSize, size, localHeaderOffset });
    }
    if (total > limits.ratioFloorBytes && total > size * limits.maxRatio) {
      throw new ZipError('too-large', `The archive would unpack to ${total} bytes, ${Math.round(total / size)} times its own size (a zip bomb?); refused before inflating.`);
    }
    // A file and a folder of the same name cannot both be extracted. (Thousands of entries share a
    // few folders: each folder is looked up once. `seen` holds every entry's folded name: a file's
    // is its name, a folder entry's ends with "/".)
    const folders = new Map<string, string | undefined>();
    for (const e of entries) {
      const name = e.name.replace(/\/$/, '');
      for (let at = name.indexOf('/'); at > 0; at = name.indexOf('/', at + 1)) {
        const folder = name.slice(0, at);
        let clash = folders.get(folder);
        if (!folders.has(folder)) {
          const same = seen.get(folded(folder));
          folders.set(folder, (clash = same !== undefined && !same.endsWith('/') ? same : undefined));
        }
        if (clash !== undefined) throw new ZipError('unsafe-entry', `Entry "${e.name}" sits inside "${clash}", which is a file.`, e.name);
      }
    }
    // Entries whose data overlap are how the densest zip bombs reuse one compressed stream.
    const byOffset = entries.map((_, i) => i).sort((a, b) => entries[a]!.localHeaderOffset - entries[b]!.localHeaderOffset);
    for (let k = 0; k < byOffset.length; k++) {
      const i = byOffset[k]!;
      const e = entries[i]!;
      const end = e.localHeaderOffset + 30 + nameBytes[i]! + e.compressedSize;
      const next = k + 1 < byOffset.length ? entries[byOffset[k + 1]!]!.localHeaderOffset : cdOffset;
      if (end > next) throw new ZipError('unsafe-entry', `Entry "${e.name}" overlaps the data of another entry (a zip-bomb technique); refused.`, e.name);
    }
    const archive = new ZipArchive(source, entries, options.crc32 ?? crc32, cdOffset);
    for (const e of entries) archive.byName.set(e.name, e);
    return archive;
  }

  /**
   * Checks every given entry front to back and reports its SHA-256, or why it cannot be read: the
   * archive is read in windows of whole entries, each handed to `checksummer` (which may be a
   * worker, so the buffer is given away) while the next one is read; `keep` entries also come back
   * as copies. Stored entries are checked against their CRC-32 by the checksummer's; deflated ones
   * are inflated here and hashed with `hash`.
   */
  async checkAll(
    entries: readonly ZipEntry[],
    options: {
      checksummer: RangeChecksummer;
      hash: (bytes: Uint8Array) => string | Promise<string>;
      keep: (entry: ZipEntry) => boolean;
      onEntry: (entry: ZipEntry, result: { sha256: string; bytes?: Uint8Array } | { error: Error }) => void;
      signal?: AbortSignal;
    },
  ): Promise<void> {
    const WINDOW = ZIP_WINDOW_BYTES;
    const byOffset = [...this.entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
    const regionEnd = new Map<ZipEntry, number>();
    byOffset.forEach((e, i) => regionEnd.set(e, byOffset[i + 1]?.localHeaderOffset ?? this.directoryOffset));
    const wanted = new Set(entries);
    const stored = byOffset.filter((e) => wanted.has(e) && !e.directory && e.method === 0);
    for (const e of entries) {
      if (e.directory) options.onEntry(e, { sha256: await options.hash(new Uint8Array()) });
    }

    // Windows of consecutive stored entries, at most WINDOW bytes unless one entry is larger.
    const windows: { start: number; end: number; entries: ZipEntry[] }[] = [];
    for (const e of stored) {
      const end = regionEnd.get(e)!;
      const last = windows[windows.length - 1];
      // (Entries between two stored ones, deflated or not asked for, are read along and skipped.)
      if (last && end - last.start <= WINDOW) {
        last.entries.push(e);
        last.end = end;
      } else windows.push({ start: e.localHeaderOffset, end, entries: [e] });
    }

    const inFlight: Promise<void>[] = [];
    const limit = 2 * Math.max(1, options.checksummer.parallel) + 1;
    const windowed = options.checksummer.windows?.bind(options.checksummer);
    if (windowed && this.source.slice) {
      // Each window is read and checksummed where the checksums are computed; here only its
      // local headers are checked against the directory (as localDataStart does for bytes read here).
      for (const w of windows) {
        if (options.signal?.aborted) throw options.signal.reason ?? new DOMException('Verification cancelled', 'AbortError');
        const list = w.entries.map((e) => ({ at: e.localHeaderOffset - w.start, region: regionEnd.get(e)! - e.localHeaderOffset, size: e.size, keep: options.keep(e) }));
        if (w.end > this.source.size) {
          const error = new ZipError('truncated', `The archive is truncated inside "${w.entries[0]!.name}".`, w.entries[0]!.name);
          for (const e of w.entries) options.onEntry(e, { error });
          continue;
        }
        const job = windowed(this.source.slice(w.start, w.end), list).then(
          (results) =>
            w.entries.forEach((entry, i) => {
              const r = results[i]!;
              try {
                const start = this.localDataStart(entry, r.header, list[i]!.region) + list[i]!.at;
                if (start !== r.start || !r.sums) throw new ZipError('corrupt', `Entry "${entry.name}" runs into the next entry: the archive is damaged.`, entry.name);
                if (r.sums.crc32 !== entry.crc32) throw new ZipError('corrupt', `Entry "${entry.name}" fails its CRC-32 check: the archive is damaged.`, entry.name);
                options.onEntry(entry, { sha256: r.sums.sha256, ...(r.bytes ? { bytes: r.bytes } : {}) });
              } catch (err) {
                options.onEntry(entry, { error: err as Error });
              }
            }),
          (err: Error) => w.entries.forEach((entry) => options.onEntry(entry, { error: err })),
        );
        inFlight.push(job);
        if (inFlight.length >= limit) await inFlight.shift();
      }
      await Promise.all(inFlight);
      await this.inflateRest(entries, options);
      return;
    }
    // The next window is read while this one is split up and handed over.
    const readWindow = (i: number) => {
      const w = windows[i];
      if (!w) return null;
      const read = bytesAt(this.source, w.start, w.end - w.start);
      read.catch(() => undefined);
      return read;
    };
    let reading = readWindow(0);
    for (let wi = 0; wi < windows.length; wi++) {
      const w = windows[wi]!;
      if (options.signal?.aborted) throw options.signal.reason ?? new DOMException('Verification cancelled', 'AbortError');
      let bytes: Uint8Array;
      const current = reading!;
      reading = readWindow(wi + 1);
      try {
        bytes = await current;
      } catch (err) {
        const error = err instanceof ZipError ? new ZipError(err.code, `The archive is truncated inside "${w.entries[0]!.name}".`, w.entries[0]!.name) : (err as Error);
        for (const e of w.entries) options.onEntry(e, { error });
        continue;
      }
      const ranges: { entry: ZipEntry; start: number; length: number }[] = [];
      const copies = new Map<ZipEntry, Uint8Array>();
      for (const e of w.entries) {
        try {
          const at = e.localHeaderOffset - w.start;
          const start = this.localDataStart(e, bytes.subarray(at), regionEnd.get(e)! - e.localHeaderOffset) + at;
          ranges.push({ entry: e, start, length: e.size });
          if (options.keep(e)) copies.set(e, bytes.slice(start, start + e.size));
        } catch (err) {
          options.onEntry(e, { error: err as Error });
        }
      }
      // The window's buffer is given away (to a worker) whole when nothing else can be using it; else a copy is.
      const whole = bytes.buffer instanceof ArrayBuffer && (this.source.ownBuffers || (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength));
      const buffer = whole ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
      const shift = whole ? bytes.byteOffset : 0;
      const job = options.checksummer.sums(buffer, ranges.map(({ start, length }) => ({ start: start + shift, length }))).then(
        (sums) =>
          ranges.forEach(({ entry }, i) => {
            const sum = sums[i]!;
            if (sum.crc32 !== entry.crc32) options.onEntry(entry, { error: new ZipError('corrupt', `Entry "${entry.name}" fails its CRC-32 check: the archive is damaged.`, entry.name) });
            else options.onEntry(entry, { sha256: sum.sha256, ...(copies.has(entry) ? { bytes: copies.get(entry)! } : {}) });
          }),
        (err: Error) => ranges.forEach(({ entry }) => options.onEntry(entry, { error: err })),
      );
      inFlight.push(job);
      if (inFlight.length >= limit) await inFlight.shift();
    }
    await Promise.all(inFlight);
    await this.inflateRest(entries, options);
  }

  /** Deflated entries (re-zipped bundles): inflated one by one. */
  private async inflateRest(
    entries: readonly ZipEntry[],
    options: { hash: (bytes: Uint8Array) => string | Promise<string>; keep: (entry: ZipEntry) => boolean; onEntry: (entry: ZipEntry, result: { sha256: string; bytes?: Uint8Array } | { error: Error }) => void },
  ): Promise<void> {
    for (const e of entries) {
      if (e.directory || e.method === 0) continue;
      try {
        const bytes = await this.read(e);
        options.onEntry(e, { sha256: await options.hash(bytes), ...(options.keep(e) ? { bytes } : {}) });
      } catch (err) {
        options.onEntry(e, { error: err as Error });
      }
    }
  }

  /** Checks the local header at the start of `bytes` against the directory; returns where the data starts, from the header. */
  private localDataStart(entry: ZipEntry, bytes: Uint8Array, region: number): number {
    const hv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 30 || hv.getUint32(0, true) !== SIG_LOCAL) throw new ZipError('corrupt', `Entry "${entry.name}" has no local header where the directory says it starts.`, entry.name);
    const nameLength = hv.getUint16(26, true);
    const extraLength = hv.getUint16(28, true);
    let name = '';
    try {
      name = decoder.decode(bytes.subarray(30, 30 + nameLength));
    } catch {
      name = '';
    }
    if (name !== entry.name) throw new ZipError('unsafe-entry', `Entry "${entry.name}" is named differently in its local header; refused.`, entry.name);
    const start = 30 + nameLength + extraLength;
    if (start + entry.compressedSize > region) throw new ZipError('corrupt', `Entry "${entry.name}" runs into the next entry: the archive is damaged.`, entry.name);
    return start;
  }

  /** Where an entry's data starts, after checking its local header agrees with the directory. */
  private async dataStart(entry: ZipEntry): Promise<number> {
    const header = await this.reader.view(entry.localHeaderOffset, 30);
    const hv = new DataView(header.buffer, header.byteOffset, header.byteLength);
    if (hv.getUint32(0, true) !== SIG_LOCAL) throw new ZipError('corrupt', `Entry "${entry.name}" has no local header where the directory says it starts.`, entry.name);
    const nameLength = hv.getUint16(26, true);
    const extraLength = hv.getUint16(28, true);
    const localName = await this.reader.view(entry.localHeaderOffset + 30, nameLength);
    let name: string;
    try {
      name = decoder.decode(localName);
    } catch {
      name = '';
    }
    if (name !== entry.name) throw new ZipError('unsafe-entry', `Entry "${entry.name}" is named differently in its local header; refused.`, entry.name);
    return entry.localHeaderOffset + 30 + nameLength + extraLength;
  }

  /** The packed bytes of a stored entry as a Blob slice (no copy; a copy where the source is no Blob), or null for deflated entries. */
  async storedSlice(entry: ZipEntry): Promise<Blob | null> {
    if (entry.method !== 0) return null;
    const start = await this.dataStart(entry);
    if (start + entry.compressedSize > this.source.size) throw new ZipError('truncated', `The archive is truncated inside "${entry.name}".`, entry.name);
    const slice = this.source.slice?.(start, start + entry.compressedSize);
    return slice instanceof Blob ? slice : new Blob([(await this.source.read(start, entry.compressedSize)) as BlobPart]);
  }

  /** The entry's bytes, inflated if needed, checked against its declared size and CRC-32: a fresh array the caller may keep. */
  async read(entry: ZipEntry): Promise<Uint8Array> {
    const bytes = await this.view(entry);
    return entry.method === 0 ? bytes.slice() : bytes;
  }

  /** As `read`, but a stored entry comes as a view of the reader's window, valid only until the next read. */
  private async view(entry: ZipEntry): Promise<Uint8Array> {
    if (entry.directory) return new Uint8Array();
    const start = await this.dataStart(entry);
    const packed = await this.reader.view(start, entry.compressedSize).catch((err) => {
      throw err instanceof ZipError ? new ZipError('truncated', `The archive is truncated inside "${entry.name}".`, entry.name) : err;
    });
    const bytes = entry.method === 0 ? packed : await inflateCapped(packed, entry);
    if (bytes.length !== entry.size) throw new ZipError('corrupt', `Entry "${entry.name}" unpacks to ${bytes.length} bytes, not the ${entry.size} it declares.`, entry.name);
    if (this.crc(bytes) !== entry.crc32) throw new ZipError('corrupt', `Entry "${entry.name}" fails its CRC-32 check: the archive is damaged.`, entry.name);
    return bytes;
  }
}

async function inflateCapped(packed: Uint8Array, entry: ZipEntry): Promise<Uint8Array> {
  let stream: DecompressionStream;
  try {
    stream = new DecompressionStream('deflate-raw');
  } catch {
    throw new ZipError('unsupported', 'This runtime cannot inflate deflated zip entries (Node 20.12 or later is needed).', entry.name);
  }
  const out = new Uint8Array(entry.size);
  let filled = 0;
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const feeding = (async () => {
    // Small pieces: the reader below sees output soon enough to stop a bomb early.
    for (let i = 0; i < packed.length; i += 16384) await writer.write(packed.subarray(i, i + 16384) as Uint8Array<ArrayBuffer>);
    await writer.close();
  })().catch(() => undefined);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > entry.size) {
        throw new ZipError('too-large', `Entry "${entry.name}" inflates to more than the ${entry.size} bytes it declares (a zip bomb?); stopped.`, entry.name);
      }
      out.set(value, filled);
      filled += value.length;
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    await writer.abort().catch(() => undefined);
    if (err instanceof ZipError) throw err;
    throw new ZipError('corrupt', `Entry "${entry.name}" is not valid deflate data: the archive is damaged.`, entry.name);
  }
  await feeding;
  return filled === out.length ? out : out.subarray(0, filled);
}

// CRC-32 (IEEE), slicing by 8 bytes: about 1 GB/s in V8, so checking costs little beside hashing.
const CRC_TABLES = (() => {
  const t = new Uint32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n]! >>> 8) ^ t[t[(k - 1) * 256 + n]! & 0xff]!;
  return t;
})();

export function crc32(data: Uint8Array, seed = 0): number {
  const t = CRC_TABLES;
  let crc = ~seed >>> 0;
  let i = 0;
  const n8 = data.length - (data.length % 8);
  for (; i < n8; i += 8) {
    const a = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ crc;
    crc =
      t[7 * 256 + (a & 0xff)]! ^
      t[6 * 256 + ((a >>> 8) & 0xff)]! ^
      t[5 * 256 + ((a >>> 16) & 0xff)]! ^
      t[4 * 256 + (a >>> 24)]! ^
      t[3 * 256 + data[i + 4]!]! ^
      t[2 * 256 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
  }
  for (; i < data.length; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
