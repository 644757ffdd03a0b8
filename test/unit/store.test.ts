import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { ExhibitDB } from '@/lib/db';
import { saveCapture } from '@/lib/capture/store';
import { resetInstallationCache } from '@/lib/installation';
import { tinyEvidence } from './evidence-fixture';
import { ExhibitError } from '@/lib/errors';

let n = 0;
beforeEach(() => {
  fakeBrowser.reset();
  resetInstallationCache();
});

/** A database whose disk fills up when `failOn` is written: the write after the capture record. */
function dbThatFillsUpOn(failOn: string): ExhibitDB {
  const db = new ExhibitDB(`store-${n++}`);
  db.use({
    stack: 'dbcore',
    name: 'disk-full',
    create: (down) => ({
      ...down,
      table: (name) => {
        const table = down.table(name);
        return {
          ...table,
          mutate: (req) => (name === failOn ? Promise.reject(new DOMException('The disk is full.', 'QuotaExceededError')) : table.mutate(req)),
        };
      },
    }),
  });
  return db;
}

const evidenceFor = (db: ExhibitDB) => tinyEvidence(db);

describe('saveCapture', () => {
  it.each(['blobs', 'annotationState'])('stores nothing when the disk fills up while writing %s, and says so', async (failOn) => {
    const db = dbThatFillsUpOn(failOn);
    const before = await evidenceFor(db).catch(() => null);
    expect(before).not.toBeNull();
    const err = await saveCapture(db, before!.capture, before!.image, before!.thumbnail, []).catch((e) => e);
    expect(err).toBeInstanceOf(ExhibitError);
    expect(err).toMatchObject({ code: 'storage-full', message: expect.stringMatching(/not saved and nothing partial was kept/) });
    expect(await db.captures.count()).toBe(0);
    expect(await db.blobs.count()).toBe(0);
  });

  it('keeps the evidence already stored when a later capture fails', async () => {
    const db = new ExhibitDB(`store-${n++}`);
    const first = await evidenceFor(db);
    await saveCapture(db, first.capture, first.image, first.thumbnail, []);
    const again = await saveCapture(db, first.capture, first.image, first.thumbnail, []).catch((e) => e);
    expect(again).toBeInstanceOf(Error);
    expect(await db.captures.count()).toBe(1);
    expect(await db.blobs.count()).toBe(2);
    expect(await db.captures.get(first.capture.id)).toEqual(first.capture);
  });
});
