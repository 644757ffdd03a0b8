import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { ExhibitDB } from '@/lib/db';
import { beginJob, finishJob, jobRunning, lastJob } from '@/lib/jobs';
import { saveCapture } from '@/lib/capture/store';
import { resetInstallationCache } from '@/lib/installation';
import { tinyEvidence } from './evidence-fixture';

let db: ExhibitDB;
beforeEach(async () => {
  fakeBrowser.reset();
  resetInstallationCache();
  db = new ExhibitDB(`jobs-${crypto.randomUUID()}`);
  await db.open();
});

const evidence = () => tinyEvidence(db, { capturedAt: new Date() });

describe('capture jobs', () => {
  it('records the outcome and keeps only the last 50 jobs', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 53; i++) {
      const { id, written } = beginJob(db, 7, 'visible');
      await written;
      ids.push(id);
      await finishJob(db, id, { state: 'saved', captureId: `c${i}` });
    }
    expect(await db.jobs.count()).toBe(50);
    const last = await db.jobs.get(ids[52]!);
    expect(last).toMatchObject({ state: 'saved', captureId: 'c52' });
    expect(last?.finishedAt).toBeTruthy();
    expect(await lastJob(db)).toMatchObject({ state: 'saved' });
  });

  it('an outcome written before the job’s row has landed still lands after it', async () => {
    const { id } = beginJob(db, 7, 'visible');
    expect(jobRunning(id)).toBe(true);
    await finishJob(db, id, { state: 'failed', error: { code: 'capture-failed', message: 'no' } });
    expect(jobRunning(id)).toBe(false);
    expect(await db.jobs.get(id)).toMatchObject({ state: 'failed', error: { code: 'capture-failed' } });
  });

  it('a saved capture carries its job’s outcome in its own transaction', async () => {
    const { id } = beginJob(db, 7, 'visible');
    const e = await evidence();
    await saveCapture(db, e.capture, e.image, e.thumbnail, [], [], { jobId: id });
    expect(await db.jobs.get(id)).toMatchObject({ state: 'saved', captureId: e.capture.id, finishedAt: expect.any(String) });
    // Nothing left to finish or cancel.
    expect(jobRunning(id)).toBe(false);
  });

  it('a capture that is not saved leaves its job running, to be reported failed', async () => {
    const e = await evidence();
    await saveCapture(db, e.capture, e.image, e.thumbnail, []);
    const { id, written } = beginJob(db, 7, 'visible');
    await written;
    // The same capture again: the record exists, the transaction aborts, the job's outcome with it.
    await expect(saveCapture(db, e.capture, e.image, e.thumbnail, [], [], { jobId: id })).rejects.toThrow();
    expect(await db.jobs.get(id)).toMatchObject({ state: 'running' });
    expect(jobRunning(id)).toBe(true);
  });
});
