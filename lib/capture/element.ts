// Element and region captures, and the page measurements a redacted capture needs: the page-side
// script finds and measures the target in view (lib/capture/region-facts.ts), the browser takes
// real pixels of the viewport through the shared quota, and the element or rectangle is cut out
// at the device pixel ratio. Only an element that real pixels cannot show whole (taller or wider
// than the window, or clipped by a scrolling panel) is drawn from the DOM with html2canvas, and the
// record says so (`rendering: 'dom'`). The page is put back as it was, also on failure.
import { browser } from 'wxt/browser';
import { z } from '../zod';
import { pageFactsSchema, extractedTableSchema, type ExtractedTableFacts, type PageFacts } from '../context/read-facts';
import { ExhibitError } from '../errors';
import { elementDescriptorSchema, regionRectSchema, redactionReasonSchema, type CaptureMode, type ElementDescriptor, type ImageBox, type RegionRect } from '../schema';
import { captureScale, cropBox, renderingMapping, screenshotMapping, toImageBox, type ImageMapping, type ViewRect } from './crop';
import { readPngHeader } from './png';
import { pickInTab } from './picker';
import { fillTables, type TableTemplates } from './redaction-apply';
import { prepareRegionRequest, prepareRenderRequest, restoreRegionCapture, type RegionTarget } from './region-facts';
import type { ScrollPlan } from './page-scroll';
import { MAX_PART_HEIGHT } from './stitch';

export const REGION_FACTS_SCRIPT = '/picker-facts.js';
export const REGION_RENDER_SCRIPT = '/picker-render.js';
const FACTS_TIMEOUT_MS = 20_000;
const RENDER_TIMEOUT_MS = 60_000;
/** Padding around a suggested finding, CSS px: anti-aliased glyph edges are covered too. */
const SUGGESTION_PADDING = 2;

const rectSchema = z.object({ left: z.number(), top: z.number(), right: z.number(), bottom: z.number() });
const regionFactsSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    page: pageFactsSchema,
    rect: rectSchema,
    region: regionRectSchema,
    fits: z.boolean(),
    client: z.object({ width: z.number().nonnegative(), height: z.number().nonnegative() }),
    element: elementDescriptorSchema.optional(),
    marks: z.object({
      suggestions: z.array(z.object({ reason: redactionReasonSchema.exclude(['manual']), rects: z.array(rectSchema).max(50) })).max(1000),
      tables: z.array(extractedTableSchema).max(50),
      segments: z.array(z.object({ text: z.string().max(10_000), rects: z.array(rectSchema).max(200) })).max(2_000_000),
    }),
  }),
  z.object({ ok: z.literal(false), code: z.enum(['invalid-request', 'capture-failed']), message: z.string().max(2000) }),
]);
const renderResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), base64: z.string(), width: z.number().int().positive(), height: z.number().int().positive() }),
  z.object({ ok: z.literal(false), message: z.string().max(2000) }),
]);

/** A suggestion for the redaction editor, in image pixels. */
export interface ImageSuggestion {
  id: string;
  reason: z.infer<typeof redactionReasonSchema>;
  boxes: ImageBox[];
}

export interface TargetShot {
  png: Uint8Array;
  capturedAt: Date;
  mode: CaptureMode;
  page: PageFacts;
  region?: RegionRect;
  element?: ElementDescriptor;
  rendering: 'screenshot' | 'dom';
  /** Device pixels per CSS pixel of `png`. */
  pixelScale: number;
  /** Tables of the captured area with no redaction applied; empty when the capture is to be redacted. */
  tables: ExtractedTableFacts[];
  /** For the redaction editor: findings and table text, in image pixels. */
  suggestions: ImageSuggestion[];
  templates: TableTemplates;
}

export interface CaptureTargetRequest {
  tabId: number;
  mode: CaptureMode;
  selector?: string;
  rect?: RegionRect;
  redact?: boolean;
  signal?: AbortSignal;
  /** The job's stage while the person picks. */
  onPicking?: () => void;
}

/**
 * What a capture measures in the page, if anything: the selector's element, the rectangle, or
 * what the person picks (which also decides the mode: a click is an element, a drag a region).
 * Visible captures to be redacted measure the viewport. Undefined: the capture needs no measuring.
 */
export async function resolveTarget(request: CaptureTargetRequest): Promise<{ target: RegionTarget; mode: CaptureMode } | undefined> {
  if (request.mode === 'element' && request.selector) return { target: { kind: 'selector', selector: request.selector }, mode: 'element' };
  if (request.mode === 'region' && request.rect) return { target: { kind: 'rect', rect: request.rect }, mode: 'region' };
  if (request.mode === 'element' || request.mode === 'region') {
    request.onPicking?.();
    const picked = await pickInTab(request.tabId, request.signal);
    return picked.kind === 'element' ? { target: { kind: 'picked' }, mode: 'element' } : { target: { kind: 'rect', rect: picked.rect }, mode: 'region' };
  }
  if (request.mode === 'visible' && request.redact) return { target: { kind: 'viewport' }, mode: 'visible' };
  return undefined;
}

async function inPage(tabId: number, func: (...args: never[]) => unknown, args: unknown[] = []): Promise<unknown> {
  const [result] = await browser.scripting.executeScript({ target: { tabId }, func, args } as unknown as Parameters<typeof browser.scripting.executeScript>[0]);
  return result?.result;
}

async function runFile(tabId: number, file: string, timeoutMs: number, what: string): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const injected = browser.scripting.executeScript({ target: { tabId }, files: [file] } as unknown as Parameters<typeof browser.scripting.executeScript>[0]);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ExhibitError('capture-failed', `The page took longer than ${timeoutMs / 1000} s to ${what}; nothing was saved.`)), timeoutMs);
    });
    const results = await Promise.race([injected, timeout]);
    return results?.[0]?.result;
  } finally {
    clearTimeout(timer);
  }
}

function decodeBase64(b64: string): Uint8Array {
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (fromBase64) return fromBase64(b64);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Cuts `box` (device px) out of a PNG, losslessly. */
export async function cropPng(png: Uint8Array, box: ImageBox): Promise<Uint8Array> {
  const bitmap = await createImageBitmap(new Blob([png as BlobPart], { type: 'image/png' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    const canvas = new OffscreenCanvas(box.width, box.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas to crop the capture');
    ctx.drawImage(bitmap, box.x, box.y, box.width, box.height, 0, 0, box.width, box.height);
    return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
  } finally {
    bitmap.close();
  }
}

/** What the redaction editor needs of the page: findings, and table text with where it was drawn. */
export interface PageMarksInImage {
  suggestions: ImageSuggestion[];
  templates: TableTemplates;
}

/** The page's findings and table text mapped into the saved image's pixels. */
export function marksInImage(marks: Extract<z.infer<typeof regionFactsSchema>, { ok: true }>, mapping: ImageMapping): PageMarksInImage {
  const suggestions: ImageSuggestion[] = [];
  marks.marks.suggestions.forEach((s, i) => {
    const boxes = s.rects.map((r) => toImageBox(r, mapping, SUGGESTION_PADDING)).filter((b): b is ImageBox => b !== null);
    if (boxes.length) suggestions.push({ id: `s${i + 1}`, reason: s.reason, boxes });
  });
  const segments = marks.marks.segments.map((s) => ({
    text: s.text,
    boxes: s.rects.map((r) => toImageBox(r, mapping)).filter((b): b is ImageBox => b !== null),
    ...(s.rects.length === 0 ? { unplaced: true } : {}),
  }));
  return { suggestions, templates: { tables: marks.marks.tables, segments } };
}

export interface CaptureTargetOptions {
  tabId: number;
  target: RegionTarget;
  mode: CaptureMode;
  redact: boolean;
  /** Takes the viewport's picture through the shared quota (and checks the tab stayed put). */
  captureViewport: () => Promise<Uint8Array>;
  /** When the last captureViewport call was made. */
  capturedAt: () => Date;
}

/** Measures the target in the page, takes its pixels, and puts the page back. */
export async function captureTarget(options: CaptureTargetOptions): Promise<TargetShot> {
  const { tabId, target, mode, redact } = options;
  await inPage(tabId, prepareRegionRequest, [{ target, hideOverlaps: mode === 'element', suggestions: redact, redacted: redact }]);
  try {
    const parsed = regionFactsSchema.safeParse(await runFile(tabId, REGION_FACTS_SCRIPT, FACTS_TIMEOUT_MS, 'show what to capture'));
    if (!parsed.success) throw new ExhibitError('capture-failed', 'The page did not answer as expected while it was being measured; nothing was saved. Reload it and capture again.');
    const facts = parsed.data;
    if (!facts.ok) throw new ExhibitError(facts.code, facts.message);
    const rect: ViewRect = facts.rect;
    const dpr = facts.page.devicePixelRatio;
    let png: Uint8Array;
    let capturedAt: Date;
    let mapping: ImageMapping;
    let rendering: 'screenshot' | 'dom';
    if (facts.fits) {
      const viewportPng = await options.captureViewport();
      capturedAt = options.capturedAt();
      const header = readPngHeader(viewportPng);
      const scale = captureScale(header.width, facts.page.viewport.width, dpr);
      const box = cropBox(rect, scale, header);
      if (!box) throw new ExhibitError('capture-failed', 'What was to be captured lies outside the visible part of the tab; nothing was saved.');
      png = box.width === header.width && box.height === header.height ? viewportPng : await cropPng(viewportPng, box);
      mapping = screenshotMapping(box, scale);
      rendering = 'screenshot';
    } else if (target.kind === 'rect') {
      throw new ExhibitError(
        'invalid-request',
        `The region (${Math.round(facts.region.width)} × ${Math.round(facts.region.height)} CSS px) is bigger than the window (${Math.round(facts.client.width)} × ${Math.round(facts.client.height)}); capture the full page, or an element, instead. Nothing was saved.`,
      );
    } else {
      capturedAt = new Date();
      await inPage(tabId, prepareRenderRequest, [{ scale: dpr, maxSide: MAX_PART_HEIGHT }]);
      const rendered = renderResultSchema.safeParse(await runFile(tabId, REGION_RENDER_SCRIPT, RENDER_TIMEOUT_MS, 'draw the element'));
      if (!rendered.success) throw new ExhibitError('capture-failed', 'The element could not be drawn from the page; nothing was saved.');
      if (!rendered.data.ok) throw new ExhibitError('capture-failed', rendered.data.message);
      png = decodeBase64(rendered.data.base64);
      const header = readPngHeader(png);
      mapping = renderingMapping(rect, header.width / Math.max(1, rect.right - rect.left), header);
      rendering = 'dom';
    }
    const { suggestions, templates } = marksInImage(facts, mapping);
    return {
      png,
      capturedAt,
      mode,
      page: facts.page,
      ...(mode === 'element' || mode === 'region' ? { region: facts.region } : {}),
      ...(facts.element && mode === 'element' ? { element: facts.element } : {}),
      rendering,
      pixelScale: mapping.scale,
      tables: redact ? [] : fillTables(templates, []),
      suggestions,
      templates,
    };
  } finally {
    await inPage(tabId, restoreRegionCapture).catch(() => undefined);
  }
}

/**
 * A full page to be redacted: its text read at the first tile (the page at the top, as the
 * stitched image begins), mapped into the stitched image's pixels.
 */
export async function measureFullPage(tabId: number, plan: ScrollPlan, capturedHeight: number): Promise<PageMarksInImage> {
  const grow = Math.max(0, capturedHeight - plan.clientHeight);
  await inPage(tabId, prepareRegionRequest, [{ target: { kind: 'page', grow }, hideOverlaps: false, suggestions: true, redacted: true }]);
  const parsed = regionFactsSchema.safeParse(await runFile(tabId, REGION_FACTS_SCRIPT, FACTS_TIMEOUT_MS, 'be read for redaction'));
  if (!parsed.success || !parsed.data.ok) throw new ExhibitError('capture-failed', 'The page could not be read for redaction; nothing was saved. Reload it and capture again.');
  const d = plan.devicePixelRatio;
  return marksInImage(parsed.data, {
    originLeft: 0,
    originTop: 0,
    scale: d,
    offsetX: 0,
    offsetY: 0,
    width: Math.round(plan.viewport.width * d),
    height: Math.round((plan.viewport.height + grow) * d),
  });
}
