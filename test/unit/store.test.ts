import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { ExhibitDB } from '@/lib/db';
import { buildEvidence } from '@/lib/capture/evidence';
import { saveCapture } from '@/lib/capture/store';
import { encodePngRgba } from '@/lib/capture/png';
import { getInstallation, resetInstallationCache } from '@/lib/installation';
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

async function evidenceFor(db: ExhibitDB) {
  const installation = await getInstallation(db);
  return buildEvidence(
    {
      png: encodePngRgba(new Uint8Array(4 * 4 * 4).fill(90), 4, 4),
      capturedAt: new Date('2026-05-01T00:00:00.000Z'),
      url: 'https://a.example/',
      title: 't',
      viewport: { width: 4, height: 4 },
      devicePixelRatio: 1,
      mode: 'visible',
      context: { system: 'a.example', host: 'a.example' },
    },
    {
      timeZone: 'UTC',
      capturer: { name: 'Ada', email: 'ada@acme.example', team: '' },
      browser: { name: 'Chromium', version: '156' },
      extensionVersion: '0.1.0',
      signer: installation,
      renderBanner: (_l, width) => ({ rgba: new Uint8Array(width * 2 * 4), height: 2 }),
      makeThumbnail: async () => new Blob([new Uint8Array([1])], { type: 'image/jpeg' }),
    },
  );
}

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
