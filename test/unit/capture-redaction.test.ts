import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { toImageBox, type ImageMapping } from '@/lib/capture/crop';
import { boxesAreFilled, burnBoxes, clampBox, fillTables, marker, REDACTION_FILL, redactionSummary, type TableTemplates } from '@/lib/capture/redaction-apply';
import { templatesFromClone } from '@/lib/capture/region-marks';
import { extractTables, type LayoutProbe, type Rect } from '@/lib/tables/extract';
import type { ImageBox } from '@/lib/schema';

/** A width × height RGBA image where every pixel differs from black. */
function gradient(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      rgba.set([10 + (x % 200), 20 + (y % 200), 30, 255], i);
    }
  }
  return rgba;
}

describe('burning redactions into RGBA pixels', () => {
  it('fills exactly the boxes with opaque black and leaves every other pixel alone', () => {
    const [w, h] = [64, 40];
    const before = gradient(w, h);
    const rgba = before.slice();
    const boxes: ImageBox[] = [
      { x: 5, y: 4, width: 10, height: 6 },
      { x: 30, y: 20, width: 34, height: 20 },
    ];
    expect(burnBoxes(rgba, w, h, boxes)).toBe(10 * 6 + 34 * 20);
    expect(boxesAreFilled(rgba, w, h, boxes)).toBe(true);
    const inside = (x: number, y: number) => boxes.some((b) => x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 4;
        const px = [...rgba.subarray(i, i + 4)];
        if (inside(x, y)) expect(px).toEqual([...REDACTION_FILL]);
        else expect(px).toEqual([...before.subarray(i, i + 4)]);
      }
    }
  });

  it('clips boxes at the edges and ignores boxes outside the image', () => {
    const rgba = gradient(10, 10);
    expect(burnBoxes(rgba, 10, 10, [{ x: 8, y: 8, width: 50, height: 50 }, { x: 20, y: 0, width: 5, height: 5 }])).toBe(4);
    expect(clampBox({ x: 8, y: 8, width: 50, height: 50 }, 10, 10)).toEqual({ x: 8, y: 8, width: 2, height: 2 });
    expect(clampBox({ x: 20, y: 0, width: 5, height: 5 }, 10, 10)).toBeNull();
    expect(boxesAreFilled(rgba, 10, 10, [{ x: 8, y: 8, width: 2, height: 2 }])).toBe(true);
  });

  it('notices a single pixel that is not the fill', () => {
    const rgba = gradient(8, 8);
    const box = { x: 1, y: 1, width: 4, height: 4 };
    burnBoxes(rgba, 8, 8, [box]);
    rgba[(3 * 8 + 3) * 4 + 3] = 254; // one pixel not quite opaque
    expect(boxesAreFilled(rgba, 8, 8, [box])).toBe(false);
  });

  it('refuses a buffer that does not match its size', () => {
    expect(() => burnBoxes(new Uint8Array(10), 2, 2, [])).toThrow(/not 2×2×4/);
  });

  it('counts regions per reason for the record', () => {
    const box = { x: 0, y: 0, width: 1, height: 1 };
    expect(
      redactionSummary([
        { reason: 'email', boxes: [box] },
        { reason: 'manual', boxes: [box] },
        { reason: 'email', boxes: [box, box] },
      ]),
    ).toEqual({ regions: 3, reasons: { email: 2, manual: 1 } });
    expect(redactionSummary([])).toEqual({ regions: 0, reasons: {} });
  });
});

describe('tables under redaction', () => {
  const HTML = `<!doctype html><html><body>
    <table id="t"><caption>Admins <b>of</b> acme</caption>
      <thead><tr><th>Name</th><th>Email</th><th>Note</th></tr></thead>
      <tbody>
        <tr><td>Ava <b>Okafor</b></td><td>ava@acme.example</td><td><img alt="  MFA   on "> <input value="temp-pass"></td></tr>
        <tr><td>Ben</td><td>ben@acme.example</td><td>hostile \uE0000\uE001 text</td></tr>
        <tr><td colspan="2">Chloe   Nguyen,  all   access</td><td><span>a</span><span>b</span></td></tr>
      </tbody>
    </table></body></html>`;

  /** A grid layout: row r, column c is the rectangle (100c, 20r)–(100c + 90, 20r + 18); the caption is row -1. */
  function layout(doc: Document): LayoutProbe {
    const rects = new Map<Node, Rect>();
    const rows = Array.from(doc.querySelectorAll('tr'));
    rows.forEach((tr, r) => {
      let c = 0;
      for (const cell of Array.from(tr.children)) {
        const span = Number(cell.getAttribute('colspan') ?? '1');
        const rect = { left: 100 * c, top: 20 * r, right: 100 * (c + span) - 10, bottom: 20 * r + 18 };
        rects.set(cell, rect);
        const walk = (n: Node) => {
          rects.set(n, rect);
          n.childNodes.forEach(walk);
        };
        walk(cell);
        c += span;
      }
      rects.set(tr, { left: 0, top: 20 * r, right: 290, bottom: 20 * r + 18 });
    });
    const caption = doc.querySelector('caption')!;
    const walk = (n: Node) => {
      rects.set(n, { left: 0, top: -20, right: 290, bottom: -2 });
      n.childNodes.forEach(walk);
    };
    walk(caption);
    return {
      isRendered: () => true,
      visibleRect: (el) => rects.get(el) ?? null,
      textRects: (node) => (rects.has(node) ? [rects.get(node)!] : null),
    };
  }

  const mapping: ImageMapping = { originLeft: 0, originTop: -40, scale: 1, offsetX: 0, offsetY: 0, width: 10_000, height: 10_000 };
  const region: Rect = { left: -1000, top: -1000, right: 10_000, bottom: 10_000 };

  function templates(): { live: Document; probe: LayoutProbe; templates: TableTemplates } {
    const live = parseHTML(HTML).document as unknown as Document;
    const clone = parseHTML(HTML).document as unknown as Document;
    const probe = layout(live);
    const page = templatesFromClone(live, clone, probe, region);
    return {
      live,
      probe,
      templates: {
        tables: page.tables,
        segments: page.segments.map((s) => ({ text: s.text, boxes: s.rects.map((r) => toImageBox(r, mapping)!).filter(Boolean), ...(s.rects.length ? {} : { unplaced: true }) })),
      },
    };
  }

  it('with no boxes, gives exactly what extractTables gives', () => {
    const { live, probe, templates: t } = templates();
    const plain = extractTables(live, { region, probe });
    expect(plain[0]!.rows[1]![2]).toBe('hostile \uE0000\uE001 text');
    expect(fillTables(t, [])).toEqual(plain);
    // The templates themselves hold no page text, only markers.
    expect(JSON.stringify(t.tables)).not.toContain('ava@acme.example');
    expect(t.tables[0]!.rows[0]![1]).toBe(marker(t.segments.findIndex((s) => s.text === 'ava@acme.example')));
  });

  it('reads several pieces of text under one box as one [REDACTED], as extractTables does', () => {
    const { live, probe, templates: t } = templates();
    const redactions: Rect[] = [{ left: 0, top: -15, right: 290, bottom: -5 }];
    const filled = fillTables(t, redactions.map((r) => toImageBox(r, mapping)!));
    expect(filled).toEqual(extractTables(live, { region, probe, redactions }));
    expect(filled[0]!.caption).toBe('[REDACTED]');
  });

  it('replaces text under a box by [REDACTED], as extractTables does with the same rectangles', () => {
    const { live, probe, templates: t } = templates();
    // Ava's email cell (row 1, column 1) and the image alt and input of her note (row 1, column 2).
    const redactions: Rect[] = [
      { left: 120, top: 22, right: 140, bottom: 30 },
      { left: 250, top: 25, right: 260, bottom: 35 },
    ];
    const boxes = redactions.map((r) => toImageBox(r, mapping)!);
    const filled = fillTables(t, boxes);
    expect(filled).toEqual(extractTables(live, { region, probe, redactions }));
    // Alt text and field value are separate pieces of the cell, with a space between them.
    expect(filled[0]!.rows[0]).toEqual(['Ava Okafor', '[REDACTED]', '[REDACTED] [REDACTED]']);
    expect(JSON.stringify(filled)).not.toContain('ava@acme.example');
    expect(JSON.stringify(filled)).not.toContain('temp-pass');
  });

  it('redacts headers and captions too, and text without geometry whenever anything is redacted', () => {
    const { templates: t } = templates();
    const header = fillTables(t, [toImageBox({ left: 110, top: 2, right: 120, bottom: 10 }, mapping)!]);
    expect(header[0]!.columns).toEqual(['Name', '[REDACTED]', 'Note']);
    const caption = fillTables(t, [toImageBox({ left: 0, top: -15, right: 290, bottom: -5 }, mapping)!]);
    expect(caption[0]!.caption).toBe('[REDACTED]');
    const unplaced: TableTemplates = { ...t, segments: t.segments.map((s) => (s.text === 'Ben' ? { ...s, boxes: [], unplaced: true } : s)) };
    expect(fillTables(unplaced, [])[0]!.rows[1]![0]).toBe('Ben');
    expect(fillTables(unplaced, [{ x: 9000, y: 9000, width: 1, height: 1 }])[0]!.rows[1]![0]).toBe('[REDACTED]');
  });

  it('refuses templates whose markers have no text', () => {
    const broken: TableTemplates = {
      tables: [{ kind: 'table', columns: [marker(5)], rows: [], renderedRowCount: 0, virtualized: false, truncated: false }],
      segments: [],
    };
    expect(() => fillTables(broken, [])).toThrow(/inconsistent/);
  });
});
