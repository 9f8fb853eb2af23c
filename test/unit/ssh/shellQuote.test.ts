import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { quoteRemotePath, remoteScript, shellCommand, shellQuote } from '../../../src/connection/ssh/shellQuote';
import { pickerHosts, rememberHost, recentHosts } from '../../../src/connection/ssh/recentHosts';

describe('shellQuote', () => {
  it('every word survives a real sh unchanged', () => {
    const words = ["it's", '$(id)', '`id`', 'a b', 'x; touch /tmp/nope', 'new\nline', '', '*', '~', '\\', '"', "''", 'plain-word_1.2/x'];
    const out = execFileSync('sh', ['-c', `${shellCommand(['printf', '%s\\0', ...words])}`]);
    assert.deepEqual(out.toString().split('\0').slice(0, -1), words);
    assert.equal(shellQuote('plain-word'), 'plain-word');
    assert.throws(() => shellQuote('a\0b'), /NUL/);
  });

  it('~/ paths expand the home, the rest stays quoted', () => {
    const out = execFileSync('sh', ['-c', `printf %s ${quoteRemotePath("~/a b/$(id)")}`], { env: { ...process.env, HOME: '/h' } });
    assert.equal(out.toString(), '/h/a b/$(id)');
  });

  it('remoteScript finds the body output between markers despite noise, and its status', () => {
    const s = remoteScript('printf "x\\ny"; exit 3');
    const stdout = execFileSync('sh', ['-c', `echo motd noise; ${s.command}; echo trailing`]).toString();
    assert.deepEqual(s.parse(stdout), { output: 'x\ny', status: 3 });
    assert.throws(() => s.parse('no markers here'), /no result markers/);
  });

  it('recent hosts come first, deduplicated, at most 10', async () => {
    const store = new Map<string, unknown>();
    const m = { get: <T>(k: string, d: T) => (store.has(k) ? (store.get(k) as T) : d), update: async (k: string, v: unknown) => void store.set(k, v) };
    for (let i = 0; i < 12; i++) await rememberHost(m, `h${i}`);
    await rememberHost(m, 'h5');
    assert.equal(recentHosts(m)[0], 'h5');
    assert.equal(recentHosts(m).length, 10);
    assert.deepEqual(pickerHosts(['b'], ['a', 'b', 'c']), [
      { host: 'b', recent: true },
      { host: 'a', recent: false },
      { host: 'c', recent: false },
    ]);
  });
});
