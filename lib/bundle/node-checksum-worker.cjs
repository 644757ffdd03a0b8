// The CLI's checksum threads (lib/bundle/node-checksums.ts runs them; bin/exhibit.mjs starts them
// before it loads the CLI, so they are ready when the first window is): CRC-32 and SHA-256 of
// archive entries, windows of the archive read from the file the main thread opened, and ES256
// signature checks. Plain JavaScript, so a thread starts in milliseconds with no TypeScript loader.
// It needs nothing at start: each window names the open file and the thread's buffer size.
'use strict';
const { parentPort } = require('node:worker_threads');
const { createHash, createPublicKey, hash, verify } = require('node:crypto');
// crypto.hash (Node 20.12, 21.7) hashes in one call, without a Hash object per entry.
const sha256 = hash ? (data) => hash('sha256', data, 'hex') : (data) => createHash('sha256').update(data).digest('hex');
const { readSync } = require('node:fs');
const zlib = require('node:zlib');
// Windows of the archive are read here, from the file the main thread opened (worker threads share
// its descriptors), into one buffer kept for the thread's life: no window is ever copied or moved
// between threads, and no fresh 8 MB buffer is made per window.
let own = new Uint8Array(0);
const readWindow = ({ fd, start, end, capacity }) => {
  const length = end - start;
  if (own.length < length) own = new Uint8Array(Math.max(length, capacity));
  for (let done = 0; done < length; ) {
    const n = readSync(fd, own, done, length - done, start + done);
    if (n === 0) throw new Error('The archive ended while it was being read (was it changed meanwhile?).');
    done += n;
  }
  return own.subarray(0, length);
};
// checkWindow of zip-read.ts for a window read here (same results; see there): the copies of the
// window's local headers and kept entries are views of one buffer, so one ArrayBuffer crosses to
// the main thread per window, not one per entry.
const checkWindow = (bytes, entries) => {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const results = entries.map((e) => {
    const limit = Math.min(bytes.length, e.at + e.region);
    const fixed = e.at + 30 <= limit && v.getUint32(e.at, true) === 0x04034b50;
    const start = fixed ? e.at + 30 + v.getUint16(e.at + 26, true) + v.getUint16(e.at + 28, true) : -1;
    const header = bytes.subarray(e.at, fixed ? Math.min(start, limit) : Math.min(e.at + 30, limit));
    if (!fixed || start + e.size > limit) return { header, start };
    const data = bytes.subarray(start, start + e.size);
    const sums = { crc32: zlib.crc32(data), sha256: sha256(data) };
    return e.keep ? { header, start, sums, bytes: data } : { header, start, sums };
  });
  let total = 0;
  for (const r of results) total += r.header.length + (r.bytes ? r.bytes.length : 0);
  const copies = new Uint8Array(total);
  let at = 0;
  const copy = (view) => {
    copies.set(view, at);
    at += view.length;
    return copies.subarray(at - view.length, at);
  };
  for (const r of results) {
    r.header = copy(r.header);
    if (r.bytes) r.bytes = copy(r.bytes);
  }
  return results;
};
const keys = new Map();
const check = ({ jwk, signature, data }) => {
  try {
    const name = jwk.x + '.' + jwk.y;
    let key = keys.get(name);
    if (!key) keys.set(name, (key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' })));
    return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
};
parentPort.on('message', ({ id, buffer, ranges, es256, window, entries }) => {
  if (es256) return parentPort.postMessage({ id, oks: es256.map(check) });
  if (window) {
    try {
      return parentPort.postMessage({ id, results: checkWindow(readWindow(window), entries) });
    } catch (err) {
      return parentPort.postMessage({ id, error: String((err && err.message) || err) });
    }
  }
  try {
    const sums = ranges.map(({ start, length }) => {
      const view = new Uint8Array(buffer, start, length);
      return { crc32: zlib.crc32(view), sha256: sha256(view) };
    });
    parentPort.postMessage({ id, sums, buffer }, [buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err), buffer }, [buffer]);
  }
});
