import { describe, expect, it } from 'vitest';
import { BAGIT_TXT, decodeManifestPath, encodeManifestPath, formatManifest, formatTagFile, parseManifest, parseTagFile, payloadOxum } from '@/lib/bundle/bagit';
import { coverageRows, subPeriods } from '@/lib/bundle/coverage';
import { csvCell, neutraliseCell, toCsv } from '@/lib/bundle/csv';
import { escapeHtml } from '@/lib/bundle/index-files';
import { UniqueNames, bundleFileName, captureBaseName, compactUtc, safeSegment, titleSlug, topFolderName } from '@/lib/bundle/names';

describe('names safe on Windows, macOS and Linux', () => {
  it.each([
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['com1', '_com1'],
    ['LPT9.tar', '_LPT9.tar'],
    ['AC:01', 'AC-01'],
    ['a<b>c"d|e?f*g', 'a-b-c-d-e-f-g'],
    ['trailing dot.', 'trailing-dot'],
    ['trailing space ', 'trailing-space'],
    ['..', 'untitled'],
    ['', 'untitled'],
    ['\u202Eevil\u202C\u200Bname', 'evilname'],
    ['tab\there\nnewline', 'tab-here-newline'],
    ['../../etc/passwd', 'etc-passwd'],
  ])('%j → %j', (raw, safe) => {
    expect(safeSegment(raw, 40)).toBe(safe);
  });

  it('bounds length without splitting characters', () => {
    // At most 10 characters and 30 UTF-8 bytes (ext4 and APFS limit bytes, NTFS characters).
    const s = safeSegment('😀'.repeat(100), 10);
    expect(s).toBe('😀'.repeat(7));
    expect(safeSegment('é'.repeat(100), 10)).toBe('é'.repeat(10));
  });

  it('slugs titles in any script', () => {
    expect(titleSlug('People · Acme Identity Admin', 80)).toBe('people-acme-identity-admin');
    expect(titleSlug('Пользователи — Админ', 80)).toBe('пользователи-админ');
    expect(titleSlug('<script>alert(1)</script>', 80)).toBe('script-alert-1-script');
    expect(titleSlug('***', 80)).toBe('untitled');
  });

  it('builds bounded capture names with the UTC time first', () => {
    expect(compactUtc('2026-11-22T09:41:03.123Z')).toBe('20261122T094103Z');
    const name = captureBaseName({ capturedAt: '2026-11-22T09:41:03.123Z', title: 'x'.repeat(500), context: { system: 'A very long console name indeed', host: 'h' } });
    expect(name.startsWith('20261122T094103Z_A-very-long-console-name_')).toBe(true);
    expect(name.length).toBeLessThanOrEqual(86);
    expect(captureBaseName({ capturedAt: '2026-11-22T09:41:03.123Z', title: 'Users', context: { system: '', host: 'acme.okta.com' } })).toBe('20261122T094103Z_acme.okta.com_users');
  });

  it('keeps names unique case-insensitively, suffixing before the extension', () => {
    const names = new UniqueNames();
    expect(names.claim('Report', '.png')).toBe('Report.png');
    expect(names.claim('report', '.png')).toBe('report-2.png');
    expect(names.claim('REPORT', '.png')).toBe('REPORT-3.png');
    const stems = new UniqueNames();
    expect(stems.claimStem('a', ['.png', '.json'], 20)).toBe('a');
    expect(stems.claimStem('A', ['.png', '.json'], 20)).toBe('A-2');
  });

  it('names the bundle exhibit-<org>-<period>-<date>.zip', () => {
    expect(bundleFileName(topFolderName('Acme, Inc.', 'SOC 2 Type 2 FY2026'), '2026-11-22')).toBe('exhibit-Acme,-Inc-SOC-2-Type-2-FY2026-2026-11-22.zip');
    expect(bundleFileName('exhibit-a-b', '2026-11-22', { index: 2, count: 3 })).toBe('exhibit-a-b-2026-11-22-part2of3.zip');
    expect(topFolderName('', 'x')).toBe('exhibit-organization-x');
  });
});

describe('CSV against formula injection', () => {
  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['plain', 'plain'],
    [' =not first', ' =not first'],
  ])('%j → %j', (value, safe) => {
    expect(neutraliseCell(value)).toBe(safe);
  });
  it('quotes every cell, doubles quotes, writes CRLF rows after a byte order mark', () => {
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(3)).toBe('"3"');
    expect(toCsv(['a', 'b'], [['=1', 'x\ny']])).toBe('\ufeff"a","b"\r\n"\'=1","x\ny"\r\n');
  });
});

describe('BagIt text files', () => {
  it('writes the bagit.txt RFC 8493 requires', () => {
    expect(BAGIT_TXT).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  });
  it('round-trips tag files, with continuation lines on reading', () => {
    const text = formatTagFile([['Source-Organization', 'Acme\nCorp'], ['Payload-Oxum', payloadOxum(10, 2)]]);
    expect(text).toBe('Source-Organization: Acme Corp\nPayload-Oxum: 10.2\n');
    expect(parseTagFile('A: one\n  two\nB: x\n').fields).toEqual([['A', 'one two'], ['B', 'x']]);
    expect(parseTagFile('no colon here\n').errors).toHaveLength(1);
  });
  it('percent-encodes CR, LF and % in manifest paths', () => {
    expect(encodeManifestPath('data/a%b\nc\rd')).toBe('data/a%25b%0Ac%0Dd');
    expect(decodeManifestPath('data/a%25b%0Ac%0Dd')).toBe('data/a%b\nc\rd');
    const m = formatManifest([{ path: 'data/b', sha256: 'b'.repeat(64) }, { path: 'data/a\nx', sha256: 'a'.repeat(64) }]);
    expect(m).toBe(`${'a'.repeat(64)}  data/a%0Ax\n${'b'.repeat(64)}  data/b\n`);
    expect([...parseManifest(m).entries]).toEqual([['data/a\nx', 'a'.repeat(64)], ['data/b', 'b'.repeat(64)]]);
    expect(parseManifest(`xyz  data/a\n${'a'.repeat(64)}  data/a\n${'a'.repeat(64)}  data/a\n`).errors).toHaveLength(2);
  });
});

describe('coverage', () => {
  it('cuts a range into months or quarters, clipped to the range', () => {
    expect(subPeriods('2026-02-15', '2026-04-10', 'month').map((b) => [b.label, b.from, b.to])).toEqual([
      ['2026-02', '2026-02-15', '2026-02-28'],
      ['2026-03', '2026-03-01', '2026-03-31'],
      ['2026-04', '2026-04-01', '2026-04-10'],
    ]);
    expect(subPeriods('2025-11-01', '2026-04-30', 'quarter').map((b) => [b.label, b.from, b.to])).toEqual([
      ['2025-Q4', '2025-11-01', '2025-12-31'],
      ['2026-Q1', '2026-01-01', '2026-03-31'],
      ['2026-Q2', '2026-04-01', '2026-04-30'],
    ]);
    expect(subPeriods('2026-01-01', '2026-12-31', 'period')).toHaveLength(1);
  });
  it('counts by the period’s own calendar days and marks gaps', () => {
    const rows = coverageRows(
      [
        { id: 'M', title: 'monthly', cadence: 'monthly' },
        { id: 'Q', title: 'quarterly', cadence: 'quarterly' },
        { id: 'E', title: 'per event', cadence: 'per-event' },
      ],
      // 23:30 UTC on 31 January is already 1 February in Berlin.
      [{ controlId: 'M', capturedAt: '2026-01-31T23:30:00.000Z' }, { controlId: 'Q', capturedAt: '2026-02-10T10:00:00.000Z' }],
      { start: '2026-01-01', end: '2026-02-28', timeZone: 'Europe/Berlin' },
    );
    expect(rows.map((r) => `${r.controlId} ${r.bucket.label} ${r.captures} ${r.status}`)).toEqual([
      'M 2026-01 0 GAP',
      'M 2026-02 1 OK',
      'Q 2026-Q1 1 OK',
      'E 2026-01 0 NONE',
      'E 2026-02 0 NONE',
    ]);
  });
});

describe('HTML escaping', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
