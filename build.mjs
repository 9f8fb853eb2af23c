// One esbuild script, three outputs: the extension (node/cjs, `vscode` external), the agent (one self-contained
// file for Node >= 18 — what gets uploaded to the GPU box), and the webviews (browser). Flags: --watch, --production.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const root = path.dirname(new URL(import.meta.url).pathname);
const out = path.join(root, 'dist');

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

const common = {
  define: { __AGENT_VERSION__: JSON.stringify(pkg.version) },
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

// ssh2's optional native addons: pure JS is used when they are absent (and a native build would not load in
// VS Code's Electron anyway).
const sshNative = ['cpu-features', './crypto/build/Release/sshcrypto.node'];

const webviewEntries = fs.existsSync(path.join(root, 'webview'))
  ? fs
      .readdirSync(path.join(root, 'webview'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, 'webview', d.name, 'main.ts')))
      .map((d) => ({ in: path.join(root, 'webview', d.name, 'main.ts'), out: d.name }))
  : [];
const cssEntries = fs
  .readdirSync(path.join(root, 'media'))
  .filter((f) => f.endsWith('.css'))
  .map((f) => ({ in: path.join(root, 'media', f), out: f.replace(/\.css$/, '') }));

const builds = [
  {
    ...common,
    entryPoints: { extension: path.join(root, 'src/extension.ts') },
    outdir: out,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode', ...sshNative],
  },
  {
    ...common,
    entryPoints: { agent: path.join(root, 'remote/main.ts') },
    outdir: out,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: sshNative,
    banner: { js: '#!/usr/bin/env node' },
    // Prefer ES module builds: jsonc-parser's UMD "main" requires its parts dynamically, which a bundle cannot follow.
    mainFields: ['module', 'main'],
    // The agent must carry no sourcemap path that points into this machine, and be byte-identical per source.
    sourcemap: false,
  },
  {
    ...common,
    entryPoints: [...webviewEntries, ...cssEntries],
    outdir: path.join(out, 'webview'),
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.svg': 'text' },
  },
];

function copyStatic() {
  fs.mkdirSync(out, { recursive: true });
  fs.copyFileSync(path.join(root, 'remote/config/run-config.schema.json'), path.join(out, 'run-config.schema.json'));
}

if (watch) {
  copyStatic();
  for (const b of builds) {
    const ctx = await esbuild.context(b);
    await ctx.watch();
  }
  console.log('watching for changes…');
} else {
  // Tests run in parallel with builds (the packaging test makes a production build): every output file is
  // replaced atomically (temp + rename), so a reader never sees a half-written or missing bundle; files this
  // build did not produce (a removed webview, source maps of a production build) are deleted afterwards.
  copyStatic();
  const results = await Promise.all(builds.map((b) => esbuild.build({ ...b, write: false })));
  const produced = new Set([path.join(out, 'run-config.schema.json')]);
  for (const r of results) {
    for (const f of r.outputFiles) {
      fs.mkdirSync(path.dirname(f.path), { recursive: true });
      const tmp = `${f.path}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, f.contents);
      fs.renameSync(tmp, f.path);
      produced.add(f.path);
    }
  }
  const prune = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) prune(p);
      else if (!produced.has(p) && !/\.\d+\.tmp$/.test(p)) fs.rmSync(p, { force: true });
    }
  };
  prune(out);
}
