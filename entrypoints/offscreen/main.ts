// The offscreen document (chrome.offscreen, reason BLOBS) that writes bundles for the
// `bundle.export` message; it answers only messages addressed to it.
import { handleOffscreenRequest, isOffscreenRequest } from '@/lib/bundle/offscreen';
import { getDb } from '@/lib/db';

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  if (!isOffscreenRequest(message)) return undefined;
  handleOffscreenRequest(getDb(), message).then(sendResponse);
  return true;
});
