/** The built sim server (`dist/agent.js sim-server`) as its own process, so it does not share a bench's event loop. */
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';

const root = path.resolve(__dirname, '..', '..');

export async function startSim(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(root, 'dist', 'agent.js'), 'sim-server', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0].trim());
    });
    child.on('exit', (code) => reject(new Error(`sim-server exited ${code}`)));
  });
  return { url, child };
}
