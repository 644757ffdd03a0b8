// Runs inside the captured page (entrypoints/picker-render.ts) only when real pixels cannot show
// the element: it is taller or wider than the window, or clipped by a scrolling panel. html2canvas
// draws the element from the DOM; the capture record and banner then say the image is a DOM
// rendering, not a screenshot. html2canvas 1.4 cannot parse CSS Color 4 functions (oklch, oklab,
// lab, lch, color(), color-mix()): in its clone of the page they are converted to rgb() first.
import html2canvas from 'html2canvas';

export interface RenderRequest {
  scale: number;
  /** Refuse rather than draw past this many device pixels high or wide. */
  maxSide: number;
}

export type RenderResult = { ok: true; base64: string; width: number; height: number } | { ok: false; message: string };

const MODERN_COLOUR = /\b(?:oklch|oklab|lab|lch|color|color-mix|hwb)\(/i;
const COLOUR_PROPERTIES = [
  'color', 'background-color', 'background-image', 'border-top-color', 'border-right-color', 'border-bottom-color', 'border-left-color',
  'outline-color', 'text-decoration-color', 'column-rule-color', 'caret-color', 'fill', 'stroke', 'box-shadow', 'text-shadow',
];

/** Replaces each CSS colour function call in `value` by what `toRgb` makes of it (balanced parentheses). */
export function replaceColourFunctions(value: string, toRgb: (css: string) => string): string {
  let out = '';
  let i = 0;
  const re = /\b(?:oklch|oklab|lab|lch|color|color-mix|hwb)\(/gi;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    if (m.index < i) continue;
    let depth = 0;
    let end = m.index + m[0].length - 1;
    for (; end < value.length; end++) {
      if (value[end] === '(') depth++;
      else if (value[end] === ')' && --depth === 0) break;
    }
    out += value.slice(i, m.index) + toRgb(value.slice(m.index, end + 1));
    i = end + 1;
    re.lastIndex = i;
  }
  return out + value.slice(i);
}

function colourConverter(doc: Document): (css: string) => string {
  const canvas = doc.createElement('canvas');
  canvas.width = 1;
  canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const cache = new Map<string, string>();
  return (css) => {
    let rgb = cache.get(css);
    if (rgb) return rgb;
    rgb = 'rgba(0, 0, 0, 0)';
    if (ctx) {
      ctx.clearRect(0, 0, 1, 1);
      ctx.fillStyle = '#000';
      ctx.fillStyle = css;
      ctx.fillRect(0, 0, 1, 1);
      const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
      rgb = `rgba(${r}, ${g}, ${b}, ${Math.round((a! / 255) * 1000) / 1000})`;
    }
    cache.set(css, rgb);
    return rgb;
  };
}

/** Converts modern colour functions to rgb() in the element's subtree and its ancestors (html2canvas reads both). */
function convertModernColours(doc: Document, element: Element): void {
  const view = doc.defaultView;
  if (!view) return;
  const toRgb = colourConverter(doc);
  const elements: Element[] = [];
  for (let node: Element | null = element.parentElement; node; node = node.parentElement) elements.push(node);
  elements.push(element, ...Array.from(element.querySelectorAll('*')));
  for (const el of elements) {
    const style = view.getComputedStyle(el);
    for (const property of COLOUR_PROPERTIES) {
      const value = style.getPropertyValue(property);
      if (value && MODERN_COLOUR.test(value)) (el as HTMLElement).style.setProperty(property, replaceColourFunctions(value, toRgb), 'important');
    }
  }
}

export async function renderRegionTarget(win: Window): Promise<RenderResult> {
  const g = win as unknown as { __exhibitRenderRequest?: RenderRequest; __exhibitRegionState?: { target: Element | null } };
  const request = g.__exhibitRenderRequest;
  delete g.__exhibitRenderRequest;
  const target = g.__exhibitRegionState?.target;
  if (!request || !target || !target.isConnected) return { ok: false, message: 'The element to render is no longer on the page; nothing was saved.' };
  const rect = target.getBoundingClientRect();
  const width = Math.ceil(rect.width * request.scale);
  const height = Math.ceil(rect.height * request.scale);
  if (width > request.maxSide || height > request.maxSide) {
    return {
      ok: false,
      message: `The element is ${Math.round(rect.width)} × ${Math.round(rect.height)} CSS px, too big for one image; capture the full page instead (it is saved in parts).`,
    };
  }
  try {
    const canvas = await html2canvas(target as HTMLElement, {
      scale: request.scale,
      logging: false,
      useCORS: false,
      allowTaint: false,
      backgroundColor: '#ffffff',
      onclone: (clone, element) => convertModernColours(clone, element),
    });
    const dataUrl = canvas.toDataURL('image/png');
    return { ok: true, base64: dataUrl.slice(dataUrl.indexOf(',') + 1), width: canvas.width, height: canvas.height };
  } catch (err) {
    return { ok: false, message: `The element could not be drawn from the page: ${String((err as Error)?.message ?? err).slice(0, 300)}` };
  }
}
