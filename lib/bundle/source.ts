// A bag to read: the files of a zipped bundle or of an extracted folder, addressed by their path
// inside the bag (`bagit.txt`, `data/index.html`), whatever top folder holds them.
import { DEFAULT_ZIP_LIMITS, ZipArchive, ZipError, type ByteSource, type RangeChecksummer, type ZipEntry, type ZipLimits, type ZipReadOptions } from './zip-read';

export interface BagFile {
  /** Path inside the bag, `/`-separated. */
  path: string;
  size: number;
}

export interface BagSource {
  /** What the person gave: a file name or folder path, for messages. */
  readonly label: string;
  /** The bag's own folder inside the archive ("exhibit-acme-2026/"), or "" when the bag is the root. */
  readonly root: string;
  readonly files: ReadonlyMap<string, BagFile>;
  read(path: string): Promise<Uint8Array>;
  /** The file's bytes as a Blob, without copying them where the source allows. */
  blob(path: string, type?: string): Promise<Blob>;
}

/** Finds the one folder that holds bagit.txt: the archive root or a single top folder. */
export function locateBagRoot(paths: readonly string[]): string {
  if (paths.includes('bagit.txt')) return '';
  // (Each path's first segment, without splitting thousands of paths into arrays.)
  const tops = new Set(
    paths.map((p) => {
      const slash = p.indexOf('/');
      return slash < 0 ? p : p.slice(0, slash);
    }),
  );
  const candidates = [...tops].filter((t) => paths.includes(`${t}/bagit.txt`));
  if (candidates.length === 0) throw new ZipError('unsupported', 'This is not a BagIt bag: there is no bagit.txt at the top or in a single top folder.');
  if (tops.size > 1) {
    const others = [...tops].filter((t) => t !== candidates[0]).slice(0, 3);
    throw new ZipError('unsupported', `The bag must be the only thing in the archive, but "${others.join('", "')}" sits beside its folder "${candidates[0]}".`);
  }
  return `${candidates[0]}/`;
}

export class ZipBagSource implements BagSource {
  private constructor(
    readonly label: string,
    readonly root: string,
    readonly files: ReadonlyMap<string, BagFile>,
    private readonly archive: ZipArchive,
    private readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  static async open(blob: Blob | ByteSource, label: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS, options: ZipReadOptions = {}): Promise<ZipBagSource> {
    const archive = await ZipArchive.open(blob, limits, options);
    const root = locateBagRoot(archive.entries.filter((e) => !e.directory).map((e) => e.name));
    const files = new Map<string, BagFile>();
    const entries = new Map<string, ZipEntry>();
    for (const e of archive.entries) {
      if (e.directory) continue;
      const path = e.name.slice(root.length);
      files.set(path, { path, size: e.size });
      entries.set(path, e);
    }
    return new ZipBagSource(label, root, files, archive, entries);
  }

  /** Files in archive order: reading them in this order reads the archive front to back. */
  get archiveOrder(): string[] {
    return [...this.entries].sort((a, b) => a[1].localHeaderOffset - b[1].localHeaderOffset).map(([p]) => p);
  }

  private entry(path: string): ZipEntry {
    const e = this.entries.get(path);
    if (!e) throw new ZipError('corrupt', `No file ${path} in the archive.`);
    return e;
  }

  read(path: string): Promise<Uint8Array> {
    return this.archive.read(this.entry(path));
  }

  /** Reads and checks every file front to back (ZipArchive.checkAll), by path. */
  checkAll(
    paths: readonly string[],
    options: {
      checksummer: RangeChecksummer;
      hash: (bytes: Uint8Array) => string | Promise<string>;
      keep: (path: string) => boolean;
      onFile: (path: string, result: { sha256: string; bytes?: Uint8Array } | { error: Error }) => void;
      signal?: AbortSignal;
    },
  ): Promise<void> {
    const pathOf = new Map<ZipEntry, string>();
    for (const p of paths) pathOf.set(this.entry(p), p);
    return this.archive.checkAll([...pathOf.keys()], {
      checksummer: options.checksummer,
      hash: options.hash,
      keep: (e) => options.keep(pathOf.get(e)!),
      onEntry: (e, result) => options.onFile(pathOf.get(e)!, result),
      signal: options.signal,
    });
  }

  async blob(path: string, type = ''): Promise<Blob> {
    const slice = await this.archive.storedSlice(this.entry(path));
    if (slice) return type ? new Blob([slice], { type }) : slice;
    return new Blob([(await this.read(path)) as BlobPart], { type });
  }
}

/** A bag held in memory (tests, and bundles sent through the message API as base64). */
export class MemoryBagSource implements BagSource {
  readonly root = '';
  readonly files: ReadonlyMap<string, BagFile>;
  constructor(
    readonly label: string,
    private readonly contents: ReadonlyMap<string, Uint8Array>,
  ) {
    this.files = new Map([...contents].map(([path, bytes]) => [path, { path, size: bytes.length }]));
  }
  async read(path: string): Promise<Uint8Array> {
    const bytes = this.contents.get(path);
    if (!bytes) throw new Error(`No file ${path} in the bag.`);
    return bytes;
  }
  async blob(path: string, type = ''): Promise<Blob> {
    return new Blob([(await this.read(path)) as BlobPart], { type });
  }
}
