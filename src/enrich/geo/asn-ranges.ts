// The ASN lists' rows as asn-table.ts stores them: CSV rows of inclusive address ranges parsed,
// then turned into sorted boundaries (a range's start, and the address after its end), with
// addresses as arrays of 32-bit words (one for IPv4, four for IPv6).

interface Row {
  start: number[];
  end: number[];
  pair: number;
}

/** CSV rows "start,end,asn,organisation" (the organisation may be quoted, with "" for a quote). */
export function parseRows(text: string, address: (field: string) => number[] | null, pairOf: (asn: number, org: string) => number): Row[] {
  const rows: Row[] = [];
  let at = 0;
  while (at < text.length) {
    let eol = text.indexOf('\n', at);
    if (eol === -1) eol = text.length;
    const line = text.charCodeAt(eol - 1) === 13 ? text.slice(at, eol - 1) : text.slice(at, eol);
    at = eol + 1;
    const c1 = line.indexOf(',');
    const c2 = line.indexOf(',', c1 + 1);
    const c3 = line.indexOf(',', c2 + 1);
    if (c1 === -1 || c2 === -1 || c3 === -1) continue;
    const start = address(line.slice(0, c1));
    const end = address(line.slice(c1 + 1, c2));
    const asn = Number(line.slice(c2 + 1, c3));
    if (start === null || end === null || !Number.isInteger(asn) || asn < 0 || asn > 0xffffffff) continue;
    let organization = line.slice(c3 + 1);
    if (organization.startsWith('"') && organization.endsWith('"')) organization = organization.slice(1, -1).replaceAll('""', '"');
    rows.push({ start, end, pair: pairOf(asn, organization.trim()) });
  }
  return rows;
}

/**
 * Boundaries from inclusive ranges: a range's start points at its pair, the address after its
 * end at pair 0 unless the next range starts there. Where rows overlap, the earlier one keeps
 * the overlap. Neighbours with the same pair merge.
 */
export function rangesToBoundaries(width: 1 | 4, rows: Row[]): { starts: number[]; values: number[] } {
  rows.sort((x, y) => compareWords(x.start, y.start));
  const starts: number[] = [];
  const values: number[] = [];
  let nextFree: number[] | null = new Array<number>(width).fill(0);
  const push = (start: number[], value: number) => {
    const last = values.length - 1;
    if (last >= 0 && compareWords(starts.slice(last * width, last * width + width), start) === 0) {
      values[last] = value;
      return;
    }
    if (last >= 0 && values[last] === value) return;
    starts.push(...start);
    values.push(value);
  };
  for (const row of rows) {
    if (nextFree === null) break;
    let start = row.start;
    if (compareWords(row.end, nextFree) < 0) continue;
    if (compareWords(start, nextFree) < 0) start = nextFree;
    if (compareWords(start, nextFree) > 0 && values.length > 0) push(nextFree, 0);
    push(start, row.pair);
    nextFree = increment(row.end);
  }
  if (nextFree !== null && values.length > 0) push(nextFree, 0);
  return { starts, values };
}

function compareWords(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** The next address, or null past the last one. */
function increment(words: number[]): number[] | null {
  const next = words.slice();
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] !== 0xffffffff) {
      next[i] += 1;
      return next;
    }
    next[i] = 0;
  }
  return null;
}
