import { beforeEach, describe, expect, it } from 'vitest';
import { ExhibitDB } from '@/lib/db';
import { finishJob, lastJob, startJob } from '@/lib/jobs';

let db: ExhibitDB;
beforeEach(async () => {
  db = new ExhibitDB(`jobs-${crypto.randomUUID()}`);
  await db.open();
});

describe('capture jobs', () => {
  it('records the outcome and keeps only the last 50 jobs', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 53; i++) {
      const { id } = await startJob(db, 7, 'visible');
      ids.push(id);
      await finishJob(db, id, { state: 'saved', captureId: `c${i}` });
    }
    expect(await db.jobs.count()).toBe(50);
    const last = await db.jobs.get(ids[52]!);
    expect(last).toMatchObject({ state: 'saved', captureId: 'c52' });
    expect(last?.finishedAt).toBeTruthy();
    expect(await lastJob(db)).toMatchObject({ state: 'saved' });
  });
});
