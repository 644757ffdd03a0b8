// Node only (the CLI): an extracted bag on disk. Symbolic links and special files are refused,
// as in archives: a verifier must not follow a link out of the folder it was asked to check.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BagFile, BagSource } from './source';
import { ZipError } from './zip-read';

export class FolderBagSource implements BagSource {
  readonly root = '';
  private constructor(
    readonly label: string,
    private readonly dir: string,
    readonly files: ReadonlyMap<string, BagFile>,
  ) {}

  static async open(dir: string): Promise<FolderBagSource> {
    const base = resolve(dir);
    const isFile = (p: string) => lstat(p).then((s) => s.isFile(), () => false);
    if (!(await isFile(join(base, 'bagit.txt')))) {
      const subdirs = (await readdir(base, { withFileTypes: true })).filter((d) => d.isDirectory());
      const entries = await readdir(base);
      if (entries.length === 1 && subdirs.length === 1 && (await isFile(join(base, subdirs[0]!.name, 'bagit.txt')))) return FolderBagSource.open(join(base, subdirs[0]!.name));
      throw new ZipError('unsupported', `${dir} is not a BagIt bag: it has no bagit.txt.`);
    }
    const files = new Map<string, BagFile>();
    const walk = async (rel: string): Promise<void> => {
      for (const name of (await readdir(join(base, rel))).sort()) {
        const path = rel ? `${rel}/${name}` : name;
        const st = await lstat(join(base, path));
        if (st.isSymbolicLink()) throw new ZipError('unsafe-entry', `${path} is a symbolic link; refusing to follow it out of the bag.`, path);
        if (st.isDirectory()) await walk(path);
        else if (st.isFile()) files.set(path, { path, size: st.size });
        else throw new ZipError('unsafe-entry', `${path} is a device, socket or pipe, not a file.`, path);
      }
    };
    await walk('');
    return new FolderBagSource(dir, base, files);
  }

  async read(path: string): Promise<Uint8Array> {
    if (!this.files.has(path)) throw new Error(`No file ${path} in the bag.`);
    return new Uint8Array(await readFile(join(this.dir, ...path.split('/'))));
  }

  async blob(path: string, type = ''): Promise<Blob> {
    return new Blob([(await this.read(path)) as BlobPart], { type });
  }
}
