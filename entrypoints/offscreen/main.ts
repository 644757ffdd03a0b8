// The offscreen document (chrome.offscreen, lib/offscreen-document.ts): writes bundles for the
// `bundle.export` message, and makes capture thumbnails for the service worker on this page's
// thread (lib/capture/thumbnail.ts). It answers only messages addressed to it.
import { handleOffscreenRequest, isOffscreenRequest } from '@/lib/bundle/offscreen';
import { answerThumbnailRequests } from '@/lib/capture/thumbnail';
import { getDb } from '@/lib/db';

answerThumbnailRequests(navigator.serviceWorker);

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  if (!isOffscreenRequest(message)) return undefined;
  handleOffscreenRequest(getDb(), message).then(sendResponse);
  return true;
});
