// A bundle of `count` captures signed by a teammate's key, made in Node with Exhibit's own
// evidence and export code (records built and signed by buildEvidence, laid out, indexed and
// zipped by the export engine), kept in memory instead of IndexedDB so it takes seconds: it seeds
// an extension's library through the real import path.
import { webcrypto } from 'node:crypto';
import { eventsForChange, emptyAnnotation, foldAnnotations } from '../../../lib/annotations';
import { buildEvidence } from '../../../lib/capture/evidence';
import { encodePngRgba } from '../../../lib/capture/png';
import { generateSigningKey } from '../../../lib/capture/signing';
import { CRITERIA_CONTROLS } from '../../../lib/controls/catalog';
import { planFromInputs, volumeStream, type LoadedCapture } from '../../../lib/bundle/export';
import { listingOf, type LayoutInput } from '../../../lib/bundle/layout';
import type { AnnotationEvent, SignedCapture } from '../../../lib/schema';

const CONTROLS = ['CC6.1', 'CC6.2', 'CC7.2', 'CC8.1', 'A1.2'];
const THUMBNAIL = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);

export async function teammateBundle(count: number): Promise<{ zip: Uint8Array; fingerprint: string }> {
  if (!globalThis.crypto) Object.assign(globalThis, { crypto: webcrypto });
  const key = await generateSigningKey();
  const signer = { installationId: '01JTEAMMATE000000000000000', fingerprint: key.fingerprint, privateKey: key.privateKey };
  const who = { name: 'Tess Teammate', email: 'tess@acme.example', team: 'Platform' };
  const pngs = Array.from({ length: 16 }, (_, k) => encodePngRgba(new Uint8Array(16 * 12 * 4).fill(k * 16), 16, 12));
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  const inputs: LayoutInput[] = [];
  const records = new Map<string, { record: SignedCapture; history: AnnotationEvent[]; image: Uint8Array }>();
  for (let i = 0; i < count; i++) {
    const at = new Date(start + i * 4 * 3600 * 1000);
    const evidence = await buildEvidence(
      {
        png: pngs[i % pngs.length]!,
        capturedAt: at,
        url: `https://console${i % 7}.example/users?page=${i}`,
        title: `Users page ${i}`,
        viewport: { width: 16, height: 12 },
        devicePixelRatio: 1,
        mode: 'visible',
        context: { system: `System ${i % 7}`, host: `console${i % 7}.example` },
      },
      {
        timeZone: 'UTC',
        capturer: who,
        browser: { name: 'Chromium', version: '156' },
        extensionVersion: '0.1.0',
        signer,
        renderBanner: (_l, width) => ({ rgba: new Uint8Array(width * 4 * 4).fill(15), height: 4 }),
        makeThumbnail: async () => new Blob([THUMBNAIL], { type: 'image/jpeg' }),
      },
    );
    const id = evidence.capture.id;
    const history = eventsForChange(emptyAnnotation(id), { controlIds: i % 10 === 0 ? [] : [CONTROLS[i % CONTROLS.length]!] }, who, signer.installationId, at);
    records.set(id, { record: evidence.capture, history, image: evidence.image });
    inputs.push({
      capture: listingOf(evidence.capture),
      annotation: foldAnnotations(id, history),
      historyIds: history.map((e) => e.id),
      signer: { fingerprint: key.fingerprint, publicKeyJwk: key.publicJwk, installationId: signer.installationId, name: who.name, email: who.email },
      tableBlobs: [],
      hasThumbnail: true,
    });
  }
  const identity = { organization: 'Acme', exportedBy: who, signer: { ...signer, publicJwk: key.publicJwk }, exhibitVersion: '0.1.0' };
  const period = { name: '2026', start: '2026-01-01', end: '2026-12-31', timeZone: 'UTC' };
  const plan = planFromInputs({ period, inputs, controls: new Map(CRITERIA_CONTROLS.map((c) => [c.id, c])), extraBytes: new Map() }, {}, identity);
  const load = async (bc: { capture: { id: string } }): Promise<LoadedCapture> => ({ ...records.get(bc.capture.id)!, thumbnail: THUMBNAIL, tables: [] });
  const zip = new Uint8Array(await new Response(volumeStream(load, plan, plan.volumes[0]!, identity)).arrayBuffer());
  return { zip, fingerprint: key.fingerprint };
}
