/** `agent.js sim-server` as its own process for the benchmarks (the client's CPU work does not eat into its timers). */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

export async function startServer(args: string[]): Promise<{ baseUrl: string; child: ChildProcess }> {
  const agent = path.resolve(__dirname, '..', '..', 'dist', 'agent.js');
  const child = spawn(process.execPath, [agent, 'sim-server', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`sim-server exited with ${code}`)));
  });
  return { baseUrl, child };
}
