// The one message a web page's frame may send Exhibit's background: the picker's outcome. It is
// answered only for the tab that has a pick pending and only with that pick's nonce
// (lib/capture/picker.ts); everything else from a web page is ignored (entrypoints/background.ts).
import { z } from '../zod';
import { regionRectSchema } from '../schema';

export const pickerOutcomeSchema = z.discriminatedUnion('kind', [
  /** The element is left in the picker's isolated world (`__exhibitPicked`) for the capture to find. */
  z.object({ kind: z.literal('element') }),
  z.object({ kind: z.literal('region'), rect: regionRectSchema }),
  z.object({ kind: z.literal('cancelled') }),
]);
export type PickerOutcome = z.infer<typeof pickerOutcomeSchema>;

export const pickerResultSchema = z.object({
  type: z.literal('picker.result'),
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
  outcome: pickerOutcomeSchema,
});
export type PickerResult = z.infer<typeof pickerResultSchema>;

export function isPickerResult(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'picker.result';
}
