// A small S3 client for the five calls sync needs (PUT if absent, GET with a size limit, DELETE,
// ListObjectsV2, GetObjectLockConfiguration), signed by aws4fetch's SigV4 signer. Every body is
// signed with its real SHA-256 (never UNSIGNED-PAYLOAD) and sent with Content-MD5, so the server
// refuses a body changed on the way; every header is signed. Failures come back as S3Error with a
// sentence a person can act on. Runs unchanged in the extension and in Node (tests, benchmark).
import { md5 } from '@noble/hashes/legacy.js';
import { AwsV4Signer } from 'aws4fetch';
import { base64Encode, sha256Hex } from '../capture/signing';
import { AttemptFailure, DEFAULT_RETRY, parseRetryAfter, withRetries, type Outcome, type RetryHooks, type RetryPolicy } from './retry';

export interface S3Config {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  addressing: 'path' | 'virtual-host';
  /** Sign as if the clock were off by this much (tests of clock skew). */
  clockOffsetMs?: number;
}

export type S3ErrorKind =
  | 'wrong-secret'
  | 'unknown-access-key'
  | 'clock-skew'
  | 'no-bucket'
  | 'wrong-region'
  | 'permission'
  | 'object-lock'
  | 'not-found'
  | 'too-large'
  | 'network'
  | 'timeout'
  | 'server'
  | 'corrupted'
  | 'bad-request';

export class S3Error extends Error {
  constructor(
    readonly kind: S3ErrorKind,
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export interface ListedObject {
  key: string;
  size: number;
}

export interface ListPage {
  objects: ListedObject[];
  /** Common prefixes ("folders") when listing with a delimiter. */
  prefixes: string[];
  next?: string;
}

export interface Retention {
  mode: 'COMPLIANCE' | 'GOVERNANCE';
  until: Date;
}

interface SendOptions {
  /** What the request does, for messages: "upload", "download", "list", "delete", "read settings of". */
  operation: string;
  key?: string;
  query?: Record<string, string>;
  body?: Uint8Array;
  headers?: Record<string, string>;
  /** Refuse a response body larger than this (checked before reading, and while reading). */
  maxBytes?: number;
  /** Statuses that are answers, not errors (412 for If-None-Match). */
  accept?: number[];
}

interface SendResult {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** RFC 3986 encoding of each path segment; "/" stays. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
export function xmlDecode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e]!,
  );
}

/** The text of the first <tag> in `xml` (S3 answers are flat and machine-written; no DOMParser in a service worker). */
export function xmlValue(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m ? xmlDecode(m[1]!) : undefined;
}

export function parseListPage(xml: string): ListPage {
  const objects: ListedObject[] = [];
  for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const key = xmlValue(m[1]!, 'Key');
    const size = Number(xmlValue(m[1]!, 'Size'));
    if (key !== undefined && Number.isFinite(size)) objects.push({ key, size });
  }
  const prefixes: string[] = [];
  for (const m of xml.matchAll(/<CommonPrefixes>([\s\S]*?)<\/CommonPrefixes>/g)) {
    const p = xmlValue(m[1]!, 'Prefix');
    if (p !== undefined) prefixes.push(p);
  }
  const truncated = xmlValue(xml, 'IsTruncated') === 'true';
  const next = truncated ? xmlValue(xml, 'NextContinuationToken') : undefined;
  return { objects, prefixes, ...(next ? { next } : {}) };
}

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, '');
}

function minutes(ms: number): string {
  const m = Math.round(Math.abs(ms) / 60000);
  if (m < 120) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} hours` : `${Math.round(h / 24)} days`;
}

/** Reads at most `max` bytes of a body; more is an error, and the rest is never read. */
async function readLimited(res: Response, max: number | undefined, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (max !== undefined && Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new S3Error('too-large', `${what} is ${declared} bytes, over the limit of ${max} bytes; it was not downloaded.`);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (max !== undefined && total > max) {
      await reader.cancel().catch(() => undefined);
      throw new S3Error('too-large', `${what} is over the limit of ${max} bytes; the download was stopped there.`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export class S3Client {
  private readonly fetch: typeof fetch;
  private readonly cache = new Map<string, ArrayBuffer>();

  constructor(
    readonly config: S3Config,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly hooks: RetryHooks & { fetch?: typeof fetch } = {},
  ) {
    this.fetch = hooks.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The object's (or, without a key, the bucket's) URL for the configured addressing style. */
  url(key?: string, query?: Record<string, string>): string {
    const base = new URL(this.config.endpoint);
    const path = key === undefined ? '' : encodeKey(key);
    const url =
      this.config.addressing === 'virtual-host'
        ? `${base.protocol}//${this.config.bucket}.${base.host}/${path}`
        : `${base.protocol}//${base.host}/${this.config.bucket}${key === undefined ? '' : `/${path}`}`;
    const q = query ? new URLSearchParams(query).toString().replace(/\+/g, '%20') : '';
    return q ? `${url}?${q}` : url;
  }

  private describe(operation: string, key?: string): string {
    return key === undefined ? `${operation} bucket "${this.config.bucket}"` : `${operation} "${key}"`;
  }

  /** An error answer from the server, in words. */
  explain(status: number, xml: string, headers: Headers, opts: SendOptions, signedAt: number): S3Error {
    const code = xmlValue(xml, 'Code');
    const what = this.describe(opts.operation, opts.key);
    const c = this.config;
    switch (code) {
      case 'SignatureDoesNotMatch':
        return new S3Error(
          'wrong-secret',
          `The storage server rejected Exhibit's request signature: the secret access key does not belong to access key ${c.accessKeyId}. Enter the secret again (copy it without spaces) and save.`,
          status,
          code,
        );
      case 'InvalidAccessKeyId':
        return new S3Error('unknown-access-key', `The storage server does not know access key ${c.accessKeyId}. Check the access key id, or ask for a new key if it was deleted.`, status, code);
      case 'RequestTimeTooSkewed': {
        const server = Date.parse(headers.get('date') ?? '') || Date.parse(xmlValue(xml, 'ServerTime') ?? '');
        const off = Number.isNaN(server) ? undefined : signedAt - server;
        const by = off === undefined ? 'too far' : `${minutes(off)} ${off > 0 ? 'ahead of' : 'behind'}`;
        return new S3Error(
          'clock-skew',
          `This computer's clock is ${by} the storage server's${Number.isNaN(server) ? '' : ` (server time ${new Date(server).toISOString()})`}. Storage servers refuse signed requests more than 15 minutes off: set the clock to update automatically, then sync again.`,
          status,
          code,
        );
      }
      case 'NoSuchBucket':
        return new S3Error('no-bucket', `There is no bucket "${c.bucket}" at ${c.endpoint}. Check the bucket name, the endpoint and the region.`, status, code);
      case 'AuthorizationHeaderMalformed':
      case 'PermanentRedirect':
      case 'IllegalLocationConstraintException': {
        const region = xmlValue(xml, 'Region') ?? headers.get('x-amz-bucket-region') ?? undefined;
        return new S3Error(
          'wrong-region',
          `Bucket "${c.bucket}" is not in region ${c.region}${region ? `; it is in ${region}` : ''}. Set the region${region ? ` to ${region}` : ''} (and the endpoint of that region).`,
          status,
          code,
        );
      }
      case 'AccessDenied':
      case 'AllAccessDisabled':
      case 'AccountProblem':
        if (opts.headers?.['x-amz-object-lock-mode'] && /lock|retention/i.test(xmlValue(xml, 'Message') ?? '')) return this.objectLockError(status, code);
        return new S3Error(
          'permission',
          `Permission denied: access key ${c.accessKeyId} may not ${what}${xmlValue(xml, 'Message') ? ` (${xmlValue(xml, 'Message')})` : ''}. Its policy needs s3:ListBucket, s3:GetObject and s3:PutObject on the bucket and prefix (docs/sync.md has the minimal policy).`,
          status,
          code,
        );
      case 'InvalidRequest':
      case 'InvalidArgument':
        if (opts.headers?.['x-amz-object-lock-mode']) return this.objectLockError(status, code);
        break;
      case 'NoSuchKey':
        return new S3Error('not-found', `"${opts.key}" is not in the bucket.`, status, code);
      case 'XAmzContentSHA256Mismatch':
      case 'BadDigest':
        return new S3Error('corrupted', `The data of ${what} changed on its way to the storage server (its hash check failed), so the server refused it.`, status, code);
    }
    if (status === 404) {
      return opts.key === undefined
        ? new S3Error('no-bucket', `There is no bucket "${c.bucket}" at ${c.endpoint}. Check the bucket name, the endpoint and the region.`, status, code)
        : new S3Error('not-found', `"${opts.key}" is not in the bucket.`, status, code);
    }
    if (status === 403) {
      return new S3Error('permission', `Permission denied: access key ${c.accessKeyId} may not ${what} (HTTP 403${code ? ` ${code}` : ''}). See the minimal policy in docs/sync.md.`, status, code);
    }
    if (status >= 500 || status === 429) {
      return new S3Error('server', `The storage server failed to ${what} (HTTP ${status}${code ? ` ${code}` : ''}); it may be overloaded or restarting.`, status, code);
    }
    return new S3Error('bad-request', `The storage server refused to ${what} (HTTP ${status}${code ? ` ${code}` : ''}${xmlValue(xml, 'Message') ? `: ${xmlValue(xml, 'Message')}` : ''}).`, status, code);
  }

  private objectLockError(status: number, code: string): S3Error {
    return new S3Error(
      'object-lock',
      `Bucket "${this.config.bucket}" does not accept a retention period: Object Lock is not enabled on it. Enable Object Lock on the bucket (it can only be chosen when the bucket is created), or set retention to 0 days.`,
      status,
      code,
    );
  }

  private async send(method: string, opts: SendOptions): Promise<SendResult> {
    const body = opts.body;
    const payloadHash = await sha256Hex(body ?? new Uint8Array(0));
    const headers: Record<string, string> = {
      'x-amz-content-sha256': payloadHash,
      ...(body ? { 'content-md5': base64Encode(md5(body)) } : {}),
      ...opts.headers,
    };
    const url = this.url(opts.key, opts.query);
    return withRetries(
      async () => {
        const signedAt = Date.now() + (this.config.clockOffsetMs ?? 0);
        const signer = new AwsV4Signer({
          url,
          method,
          headers,
          body: body as unknown as BodyInit | undefined,
          accessKeyId: this.config.accessKeyId,
          secretAccessKey: this.config.secretAccessKey,
          service: 's3',
          region: this.config.region,
          datetime: amzDate(signedAt),
          allHeaders: true,
          cache: this.cache,
        });
        const signed = await signer.sign();
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), this.retry.timeoutMs);
        try {
          let res: Response;
          try {
            res = await this.fetch(signed.url.toString(), { method, headers: signed.headers, body: body as BodyInit | undefined, signal: controller.signal, cache: 'no-store', credentials: 'omit', redirect: 'manual' });
          } catch (err) {
            throw this.transportFailure(err, controller, opts);
          }
          if ((res.status >= 200 && res.status < 300) || opts.accept?.includes(res.status)) {
            try {
              const bytes = method === 'HEAD' ? new Uint8Array(0) : await readLimited(res, opts.maxBytes, `"${opts.key ?? this.config.bucket}"`);
              return { status: res.status, headers: res.headers, body: bytes };
            } catch (err) {
              if (err instanceof S3Error) throw err;
              throw this.transportFailure(err, controller, opts);
            }
          }
          if (res.type === 'opaqueredirect') {
            throw new S3Error(
              'wrong-region',
              `The storage server sent Exhibit elsewhere instead of answering: bucket "${this.config.bucket}" is probably in another region, or needs ${this.config.addressing === 'path' ? 'virtual-host' : 'path-style'} addressing. Check the endpoint, region and addressing.`,
              res.status,
            );
          }
          let xml = '';
          try {
            xml = new TextDecoder().decode(await readLimited(res, 64 * 1024, 'the error answer'));
          } catch {
            // An unreadable error body still has a status.
          }
          const error = this.explain(res.status, xml, res.headers, opts, signedAt);
          const outcome: Outcome = { kind: 'http', status: res.status, ...(error.code ? { code: error.code } : {}) };
          throw new AttemptFailure(outcome, error, parseRetryAfter(res.headers.get('retry-after')));
        } finally {
          clearTimeout(timer);
        }
      },
      this.retry,
      this.hooks,
    );
  }

  private transportFailure(err: unknown, controller: AbortController, opts: SendOptions): AttemptFailure {
    const what = this.describe(opts.operation, opts.key);
    if (controller.signal.aborted) {
      return new AttemptFailure({ kind: 'timeout' }, new S3Error('timeout', `The storage server at ${this.config.endpoint} did not finish answering within ${Math.round(this.retry.timeoutMs / 1000)} s (${what}).`));
    }
    const reason = err instanceof Error && err.message ? ` (${(err as Error & { cause?: { code?: string } }).cause?.code ?? err.message})` : '';
    return new AttemptFailure(
      { kind: 'network' },
      new S3Error('network', `Could not reach the storage server at ${this.config.endpoint}${reason}: it may be down or unreachable, the address may be wrong, or this computer is offline.`),
    );
  }

  /** Uploads unless the key exists (If-None-Match: *). 'exists' when the bucket already had it. */
  async putIfAbsent(key: string, body: Uint8Array, contentType: string, retention?: Retention): Promise<'created' | 'exists'> {
    const headers: Record<string, string> = { 'content-type': contentType, 'if-none-match': '*' };
    if (retention) {
      headers['x-amz-object-lock-mode'] = retention.mode;
      headers['x-amz-object-lock-retain-until-date'] = retention.until.toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    const res = await this.send('PUT', { operation: 'upload', key, body, headers, accept: [412] });
    return res.status === 412 ? 'exists' : 'created';
  }

  async get(key: string, maxBytes: number): Promise<Uint8Array> {
    return (await this.send('GET', { operation: 'download', key, maxBytes })).body;
  }

  async delete(key: string): Promise<void> {
    await this.send('DELETE', { operation: 'delete', key });
  }

  async listPage(prefix: string, options: { delimiter?: string; continuationToken?: string; maxKeys?: number } = {}): Promise<ListPage> {
    const query: Record<string, string> = { 'list-type': '2', prefix };
    if (options.delimiter) query.delimiter = options.delimiter;
    if (options.continuationToken) query['continuation-token'] = options.continuationToken;
    if (options.maxKeys) query['max-keys'] = String(options.maxKeys);
    const res = await this.send('GET', { operation: 'list', query, maxBytes: 16 * 1024 * 1024 });
    return parseListPage(new TextDecoder().decode(res.body));
  }

  /** Every object under `prefix`, following continuation tokens. */
  async listAll(prefix: string, delimiter?: string): Promise<ListedObject[]> {
    const all: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.listPage(prefix, { ...(delimiter ? { delimiter } : {}), ...(token ? { continuationToken: token } : {}) });
      all.push(...page.objects);
      token = page.next;
    } while (token);
    return all;
  }

  /** true / false when the bucket says whether Object Lock is on; null when it does not say (not allowed to ask). */
  async objectLockEnabled(): Promise<boolean | null> {
    try {
      const res = await this.send('GET', { operation: 'read the Object Lock setting of', query: { 'object-lock': '' }, maxBytes: 64 * 1024 });
      return xmlValue(new TextDecoder().decode(res.body), 'ObjectLockEnabled') === 'Enabled';
    } catch (err) {
      if (err instanceof S3Error && (err.code === 'ObjectLockConfigurationNotFoundError' || err.code === 'ObjectLockConfigurationNotFound')) return false;
      if (err instanceof S3Error && (err.kind === 'permission' || err.kind === 'bad-request')) return null;
      throw err;
    }
  }
}
