// What the redaction editor suggests covering: text on the page that looks like a secret or
// personal data. Pure string code: it runs inside the captured page (picker-facts script) on the
// DOM's text, and unit tests drive it directly. A suggestion is only ever a suggestion: the
// person accepts or rejects each one, so the patterns lean towards catching real formats and
// away from flagging every number on an admin console (dates, ids, hashes).
import type { RedactionReason } from '../schema';

export type SuggestionReason = Exclude<RedactionReason, 'manual'>;

export interface Finding {
  reason: SuggestionReason;
  start: number;
  end: number;
}

export const REASON_LABELS: Record<RedactionReason, string> = {
  email: 'Email address',
  phone: 'Phone number',
  'aws-key': 'AWS access key id',
  token: 'Token or secret',
  card: 'Card number',
  manual: 'Drawn by you',
};

/** Luhn (mod 10) check of a string of digits, as payment card numbers carry. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
// Access key ids of long-term (AKIA) and temporary (ASIA) credentials, and their rarer kin.
const AWS_KEY = /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?![A-Za-z0-9_-])/g;
// Tokens whose prefix says what they are: GitHub, GitLab, Slack, Stripe, OpenAI-style, Google API, npm.
const PREFIXED_TOKEN =
  /(?<![A-Za-z0-9_-])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|sk-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_-])/g;
// A long run of base64 / base64url characters mixing upper case, lower case and digits: API
// secrets, AWS secret access keys. Hex strings (commit ids, hashes) and UUIDs are not mixed case.
const LONG_TOKEN = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{32,512}={0,2}(?![A-Za-z0-9+/=_-])/g;
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
const PHONE = /(?<![\w+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,5}(?:[ .-]\d{2,8}){1,4}(?!\d|[ .-]\d)/g;

function looksRandom(token: string): boolean {
  if (!/[A-Z]/.test(token) || !/[a-z]/.test(token) || !/\d/.test(token)) return false;
  return new Set(token).size >= 12;
}

function looksLikeCard(match: string): boolean {
  const digits = match.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  if (!/^[2-6]/.test(digits) || /^(\d)\1+$/.test(digits)) return false;
  // Grouped numbers use one kind of separator.
  if (/ /.test(match) && /-/.test(match)) return false;
  return luhnValid(digits);
}

function looksLikePhone(match: string, text: string, end: number): boolean {
  const digits = match.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  // A time (08:00) or a decimal right after: a timestamp or measurement, not a number to dial.
  if (/^[:.,]\d/.test(text.slice(end, end + 2))) return false;
  if (/^\d{4}[-./]\d{1,2}[-./]\d{1,2}/.test(match) || /^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/.test(match)) return false;
  if (match.startsWith('+')) return digits.length >= 8;
  if (/^\(\d{1,4}\)/.test(match)) return digits.length >= 9;
  if (/^\d{3}([.-])\d{3}\1\d{4}$/.test(match) || /^\d{3} \d{3} \d{4}$/.test(match)) return true;
  return /^0\d{1,4}[ /-]\d{3,}(?:[ -]\d{2,})*$/.test(match) && digits.length >= 9 && digits.length <= 12;
}

/** Priority when findings overlap: the more specific pattern wins. */
const PRIORITY: SuggestionReason[] = ['aws-key', 'token', 'card', 'email', 'phone'];

/** Secrets and personal data in `text`, as non-overlapping character ranges in text order. */
export function findSensitive(text: string): Finding[] {
  const found: Finding[] = [];
  const scan = (re: RegExp, reason: SuggestionReason, accept: (m: string, end: number) => boolean = () => true) => {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const end = m.index + m[0].length;
      if (accept(m[0], end)) found.push({ reason, start: m.index, end });
      // A rejected candidate may hide a real one starting inside it (a phone number run into a card number).
      else re.lastIndex = m.index + 1;
      if (m[0].length === 0) re.lastIndex++;
    }
  };
  scan(AWS_KEY, 'aws-key');
  scan(JWT, 'token');
  scan(PREFIXED_TOKEN, 'token');
  scan(LONG_TOKEN, 'token', looksRandom);
  scan(CARD, 'card', (m) => looksLikeCard(m));
  scan(EMAIL, 'email');
  scan(PHONE, 'phone', (m, end) => looksLikePhone(m, text, end));
  found.sort((a, b) => PRIORITY.indexOf(a.reason) - PRIORITY.indexOf(b.reason) || a.start - b.start || b.end - a.end);
  const kept: Finding[] = [];
  for (const f of found) if (!kept.some((k) => f.start < k.end && k.start < f.end)) kept.push(f);
  return kept.sort((a, b) => a.start - b.start);
}
