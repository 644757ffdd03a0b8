// This installation's identity: an id and an ECDSA P-256 key pair made on first use. The private
// key is non-extractable and stays in IndexedDB; the public key's fingerprint is what the team
// hands to its auditor.
import { ulid } from 'ulid';
import type { ExhibitDB, InstallationKeyRow } from './db';
import { generateSigningKey } from './capture/signing';

let pending: Promise<InstallationKeyRow> | undefined;

export function getInstallation(db: ExhibitDB): Promise<InstallationKeyRow> {
  pending ??= loadOrCreate(db).catch((err) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function loadOrCreate(db: ExhibitDB): Promise<InstallationKeyRow> {
  const existing = await db.keys.get('installation');
  if (existing) return existing;
  const key = await generateSigningKey();
  const row: InstallationKeyRow = {
    id: 'installation',
    installationId: ulid(),
    privateKey: key.privateKey,
    publicJwk: key.publicJwk,
    fingerprint: key.fingerprint,
    createdAt: new Date().toISOString(),
  };
  try {
    await db.transaction('rw', db.keys, db.signers, async () => {
      await db.keys.add(row);
      await db.signers.put({ fingerprint: row.fingerprint, publicJwk: row.publicJwk, installationId: row.installationId, name: '', email: '', firstSeenAt: row.createdAt });
    });
    return row;
  } catch {
    // Another context created it first: use theirs, so there is only ever one key.
    return (await db.keys.get('installation'))!;
  }
}

/** For tests: forget the cached row (a new database was opened). */
export function resetInstallationCache(): void {
  pending = undefined;
}
