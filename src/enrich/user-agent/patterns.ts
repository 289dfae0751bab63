import { CLIENT_KINDS } from '../types.js';
import type { ClientKind } from '../types.js';
import type { CustomPattern } from './rules.js';

const VARIABLE = 'USER_AGENT_PATTERNS';
const MAX_PATTERNS = 100;
const MAX_PATTERN_LENGTH = 300;

/**
 * Reads the operator's own user-agent rules from USER_AGENT_PATTERNS: a JSON array of
 * `{ "pattern": "<regex, case-insensitive>", "name": "<client name>", "kind"?: "app"|"api"|"browser"|"bot"|"unknown", "os"?: "<OS name>" }`,
 * e.g. `[{"pattern":"^MyShop/(\\d[\\w.]*)","name":"MyShop","kind":"app","os":"Android"}]`.
 * The named group `version`, or else the first group, is the client version. Patterns are tried in
 * order before the built-in rules. Throws one Error naming the variable and listing every problem.
 */
export function parseUserAgentPatterns(text: string | null | undefined): CustomPattern[] {
  if (text === null || text === undefined || text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${VARIABLE} must be a JSON array of patterns (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${VARIABLE} must be a JSON array of patterns`);
  if (parsed.length > MAX_PATTERNS) throw new Error(`${VARIABLE} may hold at most ${MAX_PATTERNS} patterns`);
  const problems: string[] = [];
  const patterns: CustomPattern[] = [];
  parsed.forEach((item: unknown, index) => {
    const where = `${VARIABLE}[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push(`${where} must be an object with "pattern" and "name"`);
      return;
    }
    const { pattern, name, kind, os } = item as Record<string, unknown>;
    const before = problems.length;
    if (typeof pattern !== 'string' || pattern === '' || pattern.length > MAX_PATTERN_LENGTH) {
      problems.push(`${where}.pattern must be a non-empty string of at most ${MAX_PATTERN_LENGTH} characters`);
    } else {
      try {
        new RegExp(pattern, 'i');
      } catch (error) {
        problems.push(`${where}.pattern is not a valid regular expression (${(error as Error).message})`);
      }
    }
    if (typeof name !== 'string' || name.trim() === '' || name.length > 64) {
      problems.push(`${where}.name must be a non-empty string of at most 64 characters`);
    }
    if (kind !== undefined && !(CLIENT_KINDS as readonly unknown[]).includes(kind)) {
      problems.push(`${where}.kind must be one of ${CLIENT_KINDS.join(', ')}`);
    }
    if (os !== undefined && (typeof os !== 'string' || os.trim() === '' || os.length > 32)) {
      problems.push(`${where}.os must be a non-empty string of at most 32 characters`);
    }
    if (problems.length > before) return;
    patterns.push({
      pattern: pattern as string,
      name: (name as string).trim(),
      ...(kind !== undefined ? { kind: kind as ClientKind } : {}),
      ...(os !== undefined ? { os: (os as string).trim() } : {}),
    });
  });
  if (problems.length > 0) throw new Error(problems.join('; '));
  return patterns;
}
