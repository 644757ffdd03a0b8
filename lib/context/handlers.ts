// Messages about page context and stored tables (docs/messages.md): what the popup shows before a
// capture (detected console, suggested controls, the tables it will store) and a stored table's CSV.
import { browser } from 'wxt/browser';
import { sha256Hex } from '../capture/signing';
import { whyNotCapturable } from '../capture/uncapturable';
import { suggestControls } from '../controls/suggest';
import { ExhibitError } from '../errors';
import type { HandlerGroup } from '../handlers';
import { detectContext } from './index';
import { factsFor, readPageFacts } from './read-facts';

export const contextHandlers = {
  async 'context.detect'(req) {
    const tab = await browser.tabs.get(req.tabId).catch(() => null);
    if (!tab) throw new ExhibitError('tab-not-found', 'That tab no longer exists (it was closed).');
    const url = tab.url ?? tab.pendingUrl;
    if (!url) throw new ExhibitError('permission-denied', 'Exhibit may not read this tab’s address; open Exhibit from the page you want to capture.');
    const refusal = whyNotCapturable(url);
    if (refusal) throw new ExhibitError('page-not-capturable', refusal);
    const facts = factsFor(url, await readPageFacts(req.tabId));
    const context = facts?.context ?? detectContext(url);
    return {
      context,
      suggestedControlIds: suggestControls(context),
      pageRead: facts !== null,
      tables: (facts?.tables ?? []).map((t) => ({
        ...(t.caption ? { caption: t.caption } : {}),
        columns: t.columns,
        rowCount: t.rows.length,
        virtualized: t.virtualized,
      })),
    };
  },

  async 'captures.table'(req, { db }) {
    const capture = await db.captures.get(req.id);
    if (!capture) throw new ExhibitError('not-found', 'No capture with that id.');
    const info = capture.tables?.find((t) => t.name === req.name);
    const row = info && (await db.blobs.get([req.id, req.name]));
    if (!info || !row) throw new ExhibitError('not-found', `This capture has no table ${req.name}.`);
    const bytes = new Uint8Array(await row.blob.arrayBuffer());
    return { ...info, mediaType: row.mediaType, text: new TextDecoder().decode(bytes), hashValid: (await sha256Hex(bytes)) === info.sha256 };
  },
} satisfies HandlerGroup;
