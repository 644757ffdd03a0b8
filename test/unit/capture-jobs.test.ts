import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { ExhibitDB } from '@/lib/db';
import { beginJob, finishJob, jobRunning, lastJob, reportProgress, reportStage } from '@/lib/jobs';
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

afterEach(() => {
  vi.useRealTimers();
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

  it('drops the oldest jobs when a job starts, so the list never grows past 50 while captures run', async () => {
    // One job a second (jobs are ordered by their start: none may share a millisecond here).
    vi.useFakeTimers({ toFake: ['Date'] });
    const ids: string[] = [];
    for (let i = 0; i < 53; i++) {
      vi.setSystemTime(Date.UTC(2026, 10, 23, 9, 0, i));
      const { id, written } = beginJob(db, 7, 'visible');
      await written;
      ids.push(id);
    }
    expect(await db.jobs.count()).toBe(50);
    // The newest are kept (the one that just started among them); the three oldest are gone.
    expect(await db.jobs.bulkGet(ids.slice(0, 3))).toEqual([undefined, undefined, undefined]);
    expect(await db.jobs.get(ids[52]!)).toMatchObject({ state: 'running' });
  });

  it('a running job’s outcome keeps what it reported (its progress) and drops its stage, in the capture’s own transaction', async () => {
    const { id, written } = beginJob(db, 7, 'full-page');
    await written;
    await reportStage(db, id, 'picking');
    await reportProgress(db, id, 3, 5);
    const e = await evidence();
    await saveCapture(db, e.capture, e.image, e.thumbnail, [], [], { jobId: id });
    const row = await db.jobs.get(id);
    expect(row).toMatchObject({ id, tabId: 7, mode: 'full-page', state: 'saved', captureId: e.capture.id, progress: { done: 3, total: 5 } });
    expect(row).not.toHaveProperty('stage');
  });

  it('a job from before the worker restarted (not running here) is finished where it is stored', async () => {
    // The redaction editor's job: written by a worker that has since stopped.
    await db.jobs.add({ id: 'earlier', tabId: 9, mode: 'visible', startedAt: '2026-01-01T00:00:00.000Z', state: 'running', stage: 'redacting', progress: { done: 1, total: 1 } });
    expect(jobRunning('earlier')).toBe(false);
    await finishJob(db, 'earlier', { state: 'failed', error: { code: 'capture-failed', message: 'gone' } });
    const row = await db.jobs.get('earlier');
    expect(row).toMatchObject({ tabId: 9, state: 'failed', error: { code: 'capture-failed' }, progress: { done: 1, total: 1 }, finishedAt: expect.any(String) });
    expect(row?.stage).toBeUndefined();
  });

  it('the last job is the last one started, even when several start in the same millisecond', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 10, 23, 9, 0, 0));
    const started = Array.from({ length: 5 }, () => beginJob(db, 7, 'visible'));
    await Promise.all(started.map((j) => j.written));
    expect((await lastJob(db))?.id).toBe(started[4]!.id);
  });
});
