// The banner lines a stored capture record calls for (what lib/capture/evidence.ts drew above its
// pixels): the tests that compare a capture's banner with one drawn again start here.
import { bannerLines } from '../../lib/capture/banner';
import type { CaptureRecord } from '../../lib/schema';

/** `consoleUser`: the one the banner names (the record's own, or another, or undefined for none). */
export function bannerLinesOf(record: CaptureRecord, consoleUser: string | undefined): string[] {
  return bannerLines({
    url: record.url,
    capturedAt: new Date(record.capturedAt),
    timeZone: record.timeZone,
    utcOffset: record.utcOffset,
    capturedBy: record.capturedBy,
    system: record.context.system,
    consoleUser,
    captureId: record.id,
    capturedPixelsSha256: record.capturedPixelsSha256,
  });
}
