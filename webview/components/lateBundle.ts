/**
 * Load another bundle of dist/webview/ after the page's own has run, under the same CSP nonce (a panel paints
 * first, then loads what it can do without for that paint). The page's script element is only known while the
 * bundle runs, so it is read here, at load.
 */
const self = document.currentScript as HTMLScriptElement | null;

/** Load dist/webview/<name>.js once, after the next paint. */
export function loadBundleAfterPaint(name: string): void {
  if (loaded.has(name) || !self?.src) return;
  loaded.add(name);
  // A frame callback runs before that frame's paint; a task queued from it runs after the paint.
  requestAnimationFrame(() =>
    setTimeout(() => {
      const s = document.createElement('script');
      s.nonce = self.nonce;
      s.src = new URL(`${name}.js`, self.src).toString();
      document.body.append(s);
    }),
  );
}

const loaded = new Set<string>();
