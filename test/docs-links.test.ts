import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';

// Every relative link in the project's Markdown resolves: the file exists and, when the link names
// a heading (#anchor), the target has that heading (GitHub's slugs).

const ROOT = path.resolve(import.meta.dirname, '..');
const DOCUMENTS = [
  'README.md',
  'src/README.md',
  'clients/typescript/README.md',
  'examples/account-app/README.md',
  'test/browser/README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
].filter((file) => existsSync(path.join(ROOT, file)));

/** Markdown without its fenced code blocks (links inside them are examples, not links). */
function prose(markdown: string): string {
  return markdown.replace(/^ *```[\s\S]*?^ *```/gm, '');
}

function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of prose(readFileSync(file, 'utf8')).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(match[1].replace(/`/g, ''));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

function links(markdown: string): string[] {
  const found: string[] = [];
  for (const match of prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) found.push(match[1]);
  for (const match of prose(markdown).matchAll(/<(?:img|a)\s[^>]*(?:src|href)=["']([^"']+)["']/g)) found.push(match[1]);
  return found.filter((target) => !/^[a-z]+:/i.test(target));
}

t.test('the project documents are found', async (t) => {
  t.ok(DOCUMENTS.length >= 8, `${DOCUMENTS.length} documents`);
});

for (const document of DOCUMENTS) {
  t.test(`every relative link in ${document} resolves`, async (t) => {
    const source = path.join(ROOT, document);
    const broken: string[] = [];
    for (const link of links(readFileSync(source, 'utf8'))) {
      const [target, anchor] = link.split('#', 2) as [string, string | undefined];
      const file = target === '' ? source : path.resolve(path.dirname(source), decodeURI(target));
      if (!existsSync(file)) {
        broken.push(`${link} (no such file)`);
        continue;
      }
      if (anchor && statSync(file).isFile() && file.endsWith('.md') && !anchors(file).has(anchor)) {
        broken.push(`${link} (no such heading)`);
      }
    }
    t.same(broken, [], 'no broken links');
  });
}

t.test('a broken link is caught', async (t) => {
  t.same(links('see [x](docs/nowhere.md) and [y](https://example.com) and `[z](inline.md)`'), ['docs/nowhere.md', 'inline.md']);
  t.ok(anchors(path.join(ROOT, 'README.md')).has('a-walk-through-with-curl'));
  t.notOk(anchors(path.join(ROOT, 'README.md')).has('no-such-heading'));
});
