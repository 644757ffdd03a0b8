// "Test connection": write, read, list and delete a scratch object under the prefix, then ask
// whether the bucket has Object Lock when retention is wanted. Each step says in words what
// failed and what to change; the scratch object never carries a retention period, so it can go.
import { ulid } from 'ulid';
import type { SyncTarget } from '../schema';
import { CONNECTION_TEST_FOLDER } from './layout';
import { S3Error, type S3Client } from './s3';

export type ConnectionStepName = 'write' | 'read' | 'list' | 'delete' | 'object-lock';

export interface ConnectionStep {
  step: ConnectionStepName;
  ok: boolean;
  /** What happened, in words; for a skipped step, why. */
  message: string;
  /** The failure's kind (wrong-secret, clock-skew, no-bucket, permission, network, …). */
  kind?: string;
}

export interface ConnectionReport {
  ok: boolean;
  steps: ConnectionStep[];
  /** Whether the bucket has Object Lock (null: it would not say). */
  objectLock: boolean | null;
  message: string;
}

export async function testConnection(client: S3Client, target: SyncTarget, installationId: string, networkHint?: string): Promise<ConnectionReport> {
  const key = `${target.prefix}${CONNECTION_TEST_FOLDER}${installationId}-${ulid()}.txt`;
  const body = new TextEncoder().encode(`Exhibit connection test ${new Date().toISOString()}\n`);
  const steps: ConnectionStep[] = [];
  let objectLock: boolean | null = null;
  const run = async (step: ConnectionStepName, ok: string, work: () => Promise<void>): Promise<boolean> => {
    if (steps.some((s) => !s.ok)) {
      steps.push({ step, ok: false, message: 'Not tried: an earlier step failed.' });
      return false;
    }
    try {
      await work();
      steps.push({ step, ok: true, message: ok });
      return true;
    } catch (err) {
      if (!(err instanceof S3Error)) throw err;
      const hint = (err.kind === 'network' || err.kind === 'wrong-region') && networkHint ? ` ${networkHint}` : '';
      steps.push({ step, ok: false, message: `${err.message}${hint}`, kind: err.kind });
      return false;
    }
  };
  let wrote = false;
  await run('write', `Wrote ${key}.`, async () => {
    await client.putIfAbsent(key, body, 'text/plain');
    wrote = true;
  });
  await run('read', 'Read it back unchanged.', async () => {
    const back = await client.get(key, 4096);
    if (back.length !== body.length || back.some((b, i) => b !== body[i])) throw new S3Error('corrupted', 'The object read back differs from the one written.');
  });
  await run('list', `Listed ${target.prefix || 'the bucket'} and found it.`, async () => {
    const page = await client.listPage(`${target.prefix}${CONNECTION_TEST_FOLDER}`, { maxKeys: 1000 });
    if (!page.objects.some((o) => o.key === key) && !page.next) throw new S3Error('permission', 'The listing did not show the object just written: listing may be filtered by a policy.');
  });
  if (wrote) {
    // Removed even when an earlier check failed, so no scratch object stays behind.
    const failedBefore = steps.some((s) => !s.ok);
    try {
      await client.delete(key);
      steps.push({ step: 'delete', ok: true, message: 'Deleted it.' });
    } catch (err) {
      if (!(err instanceof S3Error)) throw err;
      steps.push({
        step: 'delete',
        ok: false,
        kind: err.kind,
        message: `${err.message} Exhibit never deletes evidence, so sync works without this permission; remove ${key} by hand.`,
      });
    }
    if (failedBefore && steps.at(-1)!.ok) steps.at(-1)!.message = 'Deleted the scratch object.';
  } else {
    steps.push({ step: 'delete', ok: false, message: 'Not tried: nothing was written.' });
  }
  const deleteStep = steps.find((s) => s.step === 'delete')!;
  const essentialOk = steps.filter((s) => s.step !== 'delete').every((s) => s.ok);
  if (essentialOk) {
    try {
      objectLock = await client.objectLockEnabled();
    } catch (err) {
      if (!(err instanceof S3Error)) throw err;
      objectLock = null;
    }
    if (target.retentionDays > 0) {
      steps.push(
        objectLock === false
          ? { step: 'object-lock', ok: false, kind: 'object-lock', message: `Retention of ${target.retentionDays} days is set, but bucket "${target.bucket}" has no Object Lock: uploads would be refused. Use a bucket created with Object Lock, or set retention to 0.` }
          : { step: 'object-lock', ok: true, message: objectLock ? `Object Lock is on: uploads are kept in ${target.retentionMode} mode for ${target.retentionDays} days.` : 'The bucket would not say whether Object Lock is on; uploads will tell.' },
      );
    }
  }
  const ok = steps.every((s) => s.ok || (s.step === 'delete' && essentialOk));
  const firstFailure = steps.find((s) => !s.ok && s.message && !s.message.startsWith('Not tried'));
  const message = ok
    ? `Connected: Exhibit can write, read and list ${target.prefix || 'the bucket'} in "${target.bucket}".${deleteStep.ok ? '' : ' (It may not delete, which sync does not need.)'}${objectLock ? ' Object Lock is on.' : ''}`
    : (firstFailure?.message ?? 'The connection test failed.');
  return { ok, steps, objectLock, message };
}
