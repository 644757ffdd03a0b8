import { describe, expect, it } from 'vitest';
import { BAGIT_TXT, decodeManifestPath, encodeManifestPath, formatManifest, formatTagFile, parseManifest, parseTagFile, payloadOxum } from '@/lib/bundle/bagit';
import { isEvidenceFolder, requestFilingProblem } from '@/lib/bundle/format';
import { csvCell, neutraliseCell, toCsv } from '@/lib/bundle/csv';
import { escapeHtml } from '@/lib/bundle/index-files';
import { LIMITS, UniqueNames, bundleFileName, isNameFor, captureBaseName, compactUtc, safeSegment, titleSlug, topFolderName } from '@/lib/bundle/names';

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

describe('request folders', () => {
  it('a folder name follows from a request id, also after a collision suffix', () => {
    const names = new UniqueNames();
    const first = names.claim(safeSegment('PBC/1', LIMITS.requestFolder, 'request'), '', LIMITS.requestFolder);
    const second = names.claim(safeSegment('PBC:1', LIMITS.requestFolder, 'request'), '', LIMITS.requestFolder);
    expect([first, second]).toEqual(['PBC-1', 'PBC-1-2']);
    expect(isNameFor(first, 'PBC/1', LIMITS.requestFolder, 'request')).toBe(true);
    expect(isNameFor(second, 'PBC:1', LIMITS.requestFolder, 'request')).toBe(true);
    expect(isNameFor('PBC-2', 'PBC-1', LIMITS.requestFolder, 'request')).toBe(false);
    expect(isNameFor('PBC-1-2', 'PBC-10', LIMITS.requestFolder, 'request')).toBe(false);
    const long = 'R'.repeat(80);
    const cut = new UniqueNames();
    cut.claim(safeSegment(long, LIMITS.requestFolder, 'request'), '', LIMITS.requestFolder);
    const suffixed = cut.claim(safeSegment(long, LIMITS.requestFolder, 'request'), '', LIMITS.requestFolder);
    expect(suffixed).toHaveLength(LIMITS.requestFolder);
    expect(isNameFor(suffixed, long, LIMITS.requestFolder, 'request')).toBe(true);
    expect(isNameFor('_CON', 'CON', LIMITS.requestFolder, 'request')).toBe(true);
  });

  it.each([
    ['data/requests/PBC-1/a.json', { filedUnder: null, filedUnderRequest: { ref: 'PBC-1', sampleLabel: null } }, null],
    ['data/requests/PBC-1/Jane/a.json', { filedUnder: null, filedUnderRequest: { ref: 'PBC-1', sampleLabel: 'Jane' } }, null],
    ['data/controls/CC6.2/a.json', { filedUnder: 'CC6.2', filedUnderRequest: undefined }, undefined],
    ['data/requests/PBC-2/a.json', { filedUnder: null, filedUnderRequest: { ref: 'PBC-1', sampleLabel: null } }, /whose folder is not PBC-2/],
    ['data/requests/PBC-1/a.json', { filedUnder: null, filedUnderRequest: undefined }, /names no request/],
    ['data/requests/PBC-1/a.json', { filedUnder: 'CC6.2', filedUnderRequest: { ref: 'PBC-1', sampleLabel: null } }, /filed under control CC6.2/],
    ['data/requests/PBC-1/a.json', { filedUnder: null, filedUnderRequest: { ref: 'PBC-1', sampleLabel: 'Jane' } }, /request's own folder/],
    ['data/requests/PBC-1/Jane/a.json', { filedUnder: null, filedUnderRequest: { ref: 'PBC-1', sampleLabel: null } }, /sample's folder/],
    ['data/requests/PBC-1/Bob/a.json', { filedUnder: null, filedUnderRequest: { ref: 'PBC-1', sampleLabel: 'Jane' } }, /whose folder is not Bob/],
    ['data/untagged/a.json', { filedUnder: null, filedUnderRequest: { ref: 'PBC-1', sampleLabel: null } }, /not in a request folder/],
  ] as const)('filing rule for %s', (path, sc, expected) => {
    const got = requestFilingProblem(path, sc as Parameters<typeof requestFilingProblem>[1]);
    if (expected === null || expected === undefined) expect(got).toBe(expected);
    else expect(got).toMatch(expected);
  });

  it('counts sample sub-folders as evidence folders, nothing deeper', () => {
    expect(isEvidenceFolder('data/requests/PBC-1/a.png')).toBe(true);
    expect(isEvidenceFolder('data/requests/PBC-1/Jane/a.png')).toBe(true);
    expect(isEvidenceFolder('data/requests/PBC-1/Jane/x/a.png')).toBe(false);
  });
});

describe('HTML escaping', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
