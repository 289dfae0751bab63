// How the production image starts the service, read from the Dockerfile's final stage (its ENV and
// CMD), so that the benchmark and the production test run the compiled build exactly that way.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface ImageRuntime {
  env: Record<string, string>;
  /** The CMD in exec form, e.g. ["node", "dist/src/server.js"]. */
  command: string[];
}

const unquote = (value: string) => (/^".*"$/.test(value) ? (JSON.parse(value) as string) : value);

export function parseImageRuntime(dockerfile: string): ImageRuntime {
  // Join continued lines, drop comments, and keep the instructions of the last stage only.
  const lines = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const lastFrom = lines.map((line) => /^FROM\s/i.test(line)).lastIndexOf(true);
  const env: Record<string, string> = {};
  let command: string[] | null = null;
  for (const line of lines.slice(lastFrom + 1)) {
    const env_ = /^ENV\s+(.*)$/i.exec(line);
    if (env_) {
      for (const match of env_[1].matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) env[match[1]] = unquote(match[2]);
    }
    const cmd = /^CMD\s+(\[.*\])\s*$/i.exec(line);
    if (cmd) command = JSON.parse(cmd[1]) as string[];
  }
  if (!command || command.length === 0) throw new Error('the Dockerfile has no CMD in exec form in its last stage');
  return { env, command };
}

export function imageRuntime(root = path.resolve(import.meta.dirname, '..')): ImageRuntime {
  return parseImageRuntime(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
}
