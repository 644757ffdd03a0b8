// A visible capture draws its banner's first lines while the browser takes the picture
// (prepareBannerHead) and only the rest once the pixel hash is known. The image must be the same
// as when the whole banner is drawn at once, and a head that no longer fits is not used.
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { createHash } from 'node:crypto';
import { BANNER_HEAD_LINES } from '@/lib/capture/banner';
import { CaptureClock } from '@/lib/capture/timing';
import { buildEvidence, prepareBannerHead, type CapturedPage, type EvidenceEnvironment } from '@/lib/capture/evidence';
import { encodePngRgba } from '@/lib/capture/png';
import { generateSigningKey } from '@/lib/capture/signing';
import { bannerLinesOf } from '../support/banner-lines';

const WIDTH = 24;
const ROW = 3;

/** A stand-in renderer: each line is ROW pixel rows of its own grey (by the line's text), so any mix-up shows. */
function shade(line: string): number {
  let h = 7;
  for (const c of line) h = (h * 31 + c.charCodeAt(0)) & 0x7f;
  return 64 + h;
}
function drawLines(lines: readonly string[], width: number): { rgba: Uint8Array; height: number; rows: number } {
  const rgba = new Uint8Array(width * ROW * lines.length * 4);
  lines.forEach((line, i) => rgba.fill(shade(line), i * width * ROW * 4, (i + 1) * width * ROW * 4));
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  return { rgba, height: ROW * lines.length, rows: lines.length };
}

const page: CapturedPage = {
  png: encodePngRgba(new Uint8Array(WIDTH * 10 * 4).fill(200), WIDTH, 10),
  capturedAt: new Date('2026-05-01T12:00:00.000Z'),
  url: 'https://acme.okta.com/admin/users',
  title: 'Users',
  viewport: { width: WIDTH, height: 10 },
  devicePixelRatio: 1,
  mode: 'visible',
  context: { system: 'Okta', host: 'acme.okta.com', consoleUser: 'admin@acme.example' },
};

async function environment(): Promise<EvidenceEnvironment> {
  const key = await generateSigningKey();
  return {
    timeZone: 'Europe/Berlin',
    capturer: { name: 'Ada', email: 'ada@acme.example', team: 'IT' },
    browser: { name: 'Chromium', version: '156' },
    extensionVersion: '0.1.0',
    signer: { installationId: 'inst', fingerprint: key.fingerprint, privateKey: key.privateKey },
    renderBanner: (lines, width) => drawLines(lines, width),
    renderBannerTail: (lines, width) => drawLines(lines.slice(BANNER_HEAD_LINES), width),
    makeThumbnail: async () => new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }),
  };
}

const decoded = (bytes: Uint8Array) => PNG.sync.read(Buffer.from(bytes));

describe('banner head drawn during the capture', () => {
  it('gives the pixels of the banner drawn at once, its head and tail cut at the same row', async () => {
    const env = await environment();
    const head = prepareBannerHead(page, env, WIDTH, 1, 4, (lines, width) => drawLines(lines, width));
    expect(head.lines).toHaveLength(BANNER_HEAD_LINES);
    let tailDrawn = 0;
    const split = await buildEvidence(page, {
      ...env,
      bannerHead: Promise.resolve(head),
      renderBanner: () => {
        throw new Error('the whole banner was drawn again');
      },
      renderBannerTail: (lines, width, scale, headRows) => (tailDrawn++, env.renderBannerTail!(lines, width, scale, headRows)),
    });
    expect(tailDrawn).toBe(1);
    const record = split.capture;
    // What the whole banner is for this record (its id and pixel hash), drawn at once.
    const lines = bannerLinesOf(record, record.context.consoleUser);
    const whole = drawLines(lines, WIDTH);
    expect(record.image.bannerHeight).toBe(whole.height);
    expect(record.image.height).toBe(whole.height + 10);
    const out = decoded(split.image).data;
    // Every banner row but the last (zeroed so the captured rows' filters decode unchanged), then the pixels.
    const bannerBytes = (whole.height - 1) * WIDTH * 4;
    expect(Buffer.compare(out.subarray(0, bannerBytes), Buffer.from(whole.rgba.subarray(0, bannerBytes)))).toBe(0);
    expect(Buffer.compare(out.subarray(whole.height * WIDTH * 4), Buffer.from(new Uint8Array(WIDTH * 10 * 4).fill(200)))).toBe(0);
    // The record's hash is of the bytes stored.
    expect(record.image.sha256).toBe(createHash('sha256').update(split.image).digest('hex'));
  });

  it.each([
    ['taken at another moment (a retried capture)', { capturedAt: new Date('2026-05-01T12:00:01.000Z') }, 1, 4, 'lines'],
    ['of a page that reads another console user', { context: { ...page.context, consoleUser: 'root' } }, 1, 4, 'lines'],
    ['for another width and scale', {}, 2, 4, 'scale'],
    ['for RGB pixels when the capture is RGBA', {}, 1, 3, 'channels'],
  ] as const)('is not used when it was drawn %s, and the diagnostics say why', async (_name, change, widthFactor, channels, reason) => {
    const env = await environment();
    const head = prepareBannerHead({ ...page, ...change }, env, WIDTH * widthFactor, widthFactor, channels, (lines, width) => drawLines(lines, width));
    let whole = 0;
    const clock = new CaptureClock();
    const evidence = await buildEvidence(page, { ...env, clock, bannerHead: head, renderBanner: (lines, width, scale) => (whole++, env.renderBanner(lines, width, scale)) });
    expect(whole).toBe(1);
    expect(evidence.capture.image.bannerHeight).toBe(ROW * 4);
    const stages = clock.finish('visible').spans.map((s) => s.stage);
    expect(stages).toContain(`banner head unused (${reason})`);
    expect(stages).not.toContain('banner tail render');
  });
});
