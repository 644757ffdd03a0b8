// The typed request/response protocol between the popup, the dashboard, tests and the background
// (docs/messages.md). Requests are `{ type, ...params }`; replies `{ ok, data | error }`.
import { browser } from 'wxt/browser';
import { ExhibitError } from './errors';
import type { Reply, ResponseOf } from './handlers';
import type { ErrorCode, MessageType, RequestOf } from './schema';

/** Sends a request to the background and returns its data, or throws its error as ExhibitError. */
export async function send<T extends MessageType>(request: RequestOf<T> & { type: T }): Promise<ResponseOf<T>> {
  const reply = (await browser.runtime.sendMessage(request)) as Reply<ResponseOf<T>> | undefined;
  if (!reply) throw new ExhibitError('internal', 'Exhibit’s background did not answer; reload the extension and try again.');
  if (!reply.ok) throw new ExhibitError(reply.error.code as ErrorCode, reply.error.message, reply.error.details);
  return reply.data;
}
