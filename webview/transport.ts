/**
 * The only way webview code talks to the extension host (vscode-pull-request-github's pattern): panels take a
 * transport, so the same UI runs in VS Code and in a plain browser against a fixture transport in tests.
 */
export interface WebviewTransport<In, Out, State = unknown> {
  post(message: Out): void;
  onMessage(handler: (message: In) => void): () => void;
  getState(): State | undefined;
  setState(state: State): void;
}

interface VsCodeApi<State> {
  postMessage(message: unknown): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

/** The transport inside a VS Code webview. `acquireVsCodeApi` may be called once per page, so it is cached. */
let api: VsCodeApi<unknown> | undefined;
export function vscodeTransport<In, Out, State>(): WebviewTransport<In, Out, State> {
  api ??= acquireVsCodeApi<unknown>();
  const vs = api as VsCodeApi<State>;
  return {
    post: (m) => vs.postMessage(m),
    onMessage: (handler) => {
      const listener = (e: MessageEvent): void => handler(e.data as In);
      window.addEventListener('message', listener);
      return () => window.removeEventListener('message', listener);
    },
    getState: () => vs.getState(),
    setState: (s) => vs.setState(s),
  };
}

/** Pick the transport: a test page sets `window.__selfrewardTransport` before loading the bundle. */
export function defaultTransport<In, Out, State>(): WebviewTransport<In, Out, State> {
  const injected = (globalThis as { __selfrewardTransport?: WebviewTransport<In, Out, State> }).__selfrewardTransport;
  return injected ?? vscodeTransport<In, Out, State>();
}
