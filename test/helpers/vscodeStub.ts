/**
 * A `vscode` module stub for unit tests of extension-host code under tsx (no VS Code needed).
 *
 * Importing this file installs a Module._resolveFilename hook so that every later `require('vscode')` /
 * `import * as vscode from 'vscode'` resolves to THIS module: import it FIRST in a test file:
 *
 *   import { stub, fakeContext } from '../helpers/vscodeStub';
 *   import { myFeature } from '../../src/...';      // gets the stub as `vscode`
 *
 * What it records (all on `stub`, cleared by `stub.reset()`):
 *   commands (registered handlers), executed commands, setContext values, shown messages, prompts (quick picks and
 *   input boxes with their options), progress reports, created status bar items, tree views, webview panels
 *   (with the messages posted to them), opened documents/editors, content providers.
 * Scripted answers: `stub.answer('quickPick' | 'inputBox' | 'message', value | (prompt) => value)` queues one answer
 * per call. A quick pick answer is a label (or labels for canPickMany) matched against the items; `undefined`
 * = the user pressed Escape. An unscripted quick pick / input box REJECTS (the test forgot a step); an unscripted
 * message with action items resolves undefined (the user ignored the notification).
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import Module from 'node:module';

// ------------------------------------------------------------------------------------------------ install hook
type ResolveFn = (request: string, ...rest: unknown[]) => string;
const M = Module as unknown as { _resolveFilename: ResolveFn & { __vscodeStub?: boolean } };
if (!M._resolveFilename.__vscodeStub) {
  const orig = M._resolveFilename;
  const hooked: ResolveFn & { __vscodeStub?: boolean } = function (this: unknown, request: string, ...rest: unknown[]) {
    if (request === 'vscode') return __filename;
    return orig.call(this, request, ...rest);
  };
  hooked.__vscodeStub = true;
  M._resolveFilename = hooked;
}

// ------------------------------------------------------------------------------------------------ basics
export interface Disposable {
  dispose(): unknown;
}
export class Disposable {
  constructor(private readonly fn: () => unknown) {}
  dispose(): unknown {
    return this.fn();
  }
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
}

export type Event<T> = (listener: (e: T) => unknown, thisArgs?: unknown, disposables?: Disposable[]) => Disposable;

export class EventEmitter<T> {
  private listeners = new Set<(e: T) => unknown>();
  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    const l = (e: T): unknown => listener.call(thisArgs, e);
    this.listeners.add(l);
    const d = new Disposable(() => this.listeners.delete(l));
    disposables?.push(d);
    return d;
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class CancellationTokenSource {
  private emitter = new EventEmitter<void>();
  readonly token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    if (this.token.isCancellationRequested) return;
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose(): void {
    this.emitter.dispose();
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}
  static file(p: string): Uri {
    return new Uri('file', '', nodePath.resolve(p), '', '');
  }
  static parse(s: string): Uri {
    const m = /^([a-zA-Z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(s);
    if (!m) throw new Error(`bad uri ${s}`);
    return new Uri(m[1], m[2] ?? '', decodeURIComponent(m[3] ?? ''), m[4] ?? '', m[5] ?? '');
  }
  static from(c: { scheme: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(c.scheme, c.authority ?? '', c.path ?? '', c.query ?? '', c.fragment ?? '');
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return base.with({ path: nodePath.posix.join(base.path, ...parts) });
  }
  get fsPath(): string {
    return this.path;
  }
  with(c: { scheme?: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(c.scheme ?? this.scheme, c.authority ?? this.authority, c.path ?? this.path, c.query ?? this.query, c.fragment ?? this.fragment);
  }
  toString(): string {
    return `${this.scheme}:${this.authority || this.scheme === 'file' ? `//${this.authority}` : ''}${this.path}${this.query ? `?${this.query}` : ''}${this.fragment ? `#${this.fragment}` : ''}`;
  }
  toJSON(): unknown {
    return { scheme: this.scheme, authority: this.authority, path: this.path, query: this.query, fragment: this.fragment };
  }
}

export class ThemeIcon {
  static readonly File = new ThemeIcon('file');
  static readonly Folder = new ThemeIcon('folder');
  constructor(readonly id: string, readonly color?: ThemeColor) {}
}
export class ThemeColor {
  constructor(readonly id: string) {}
}
export class MarkdownString {
  constructor(public value = '') {}
  appendText(t: string): this {
    this.value += t;
    return this;
  }
  appendMarkdown(t: string): this {
    this.value += t;
    return this;
  }
}

export enum TreeItemCollapsibleState { None = 0, Collapsed = 1, Expanded = 2 }
export class TreeItem {
  id?: string;
  description?: string | boolean;
  tooltip?: string | MarkdownString;
  iconPath?: unknown;
  contextValue?: string;
  command?: { command: string; title: string; arguments?: unknown[] };
  resourceUri?: Uri;
  label?: string;
  collapsibleState?: TreeItemCollapsibleState;
  constructor(labelOrUri: string | Uri, collapsibleState?: TreeItemCollapsibleState) {
    if (typeof labelOrUri === 'string') this.label = labelOrUri;
    else this.resourceUri = labelOrUri;
    this.collapsibleState = collapsibleState;
  }
}

export enum StatusBarAlignment { Left = 1, Right = 2 }
export enum ProgressLocation { SourceControl = 1, Window = 10, Notification = 15 }
export enum ViewColumn { Active = -1, Beside = -2, One = 1, Two = 2, Three = 3 }
export enum QuickPickItemKind { Separator = -1, Default = 0 }
export enum FileType { Unknown = 0, File = 1, Directory = 2, SymbolicLink = 64 }
export enum FilePermission { Readonly = 1 }
export enum FileChangeType { Changed = 1, Created = 2, Deleted = 3 }
export enum ConfigurationTarget { Global = 1, Workspace = 2, WorkspaceFolder = 3 }
export enum LogLevel { Off = 0, Trace = 1, Debug = 2, Info = 3, Warning = 4, Error = 5 }

export class FileSystemError extends Error {
  constructor(message?: string, readonly code = 'Unknown') {
    super(message);
  }
  static FileNotFound(m?: unknown): FileSystemError {
    return new FileSystemError(String(m ?? 'not found'), 'FileNotFound');
  }
  static NoPermissions(m?: unknown): FileSystemError {
    return new FileSystemError(String(m ?? 'no permissions'), 'NoPermissions');
  }
  static FileIsADirectory(m?: unknown): FileSystemError {
    return new FileSystemError(String(m ?? 'is a directory'), 'FileIsADirectory');
  }
  static Unavailable(m?: unknown): FileSystemError {
    return new FileSystemError(String(m ?? 'unavailable'), 'Unavailable');
  }
}

// ------------------------------------------------------------------------------------------------ recorder
export type PromptKind = 'quickPick' | 'inputBox' | 'message';
export interface QuickPickItemLike {
  label: string;
  description?: string;
  detail?: string;
  picked?: boolean;
  kind?: QuickPickItemKind;
}
export interface Prompt {
  kind: PromptKind;
  /** quick pick items (labels), message action items */
  items?: QuickPickItemLike[] | string[];
  options?: Record<string, unknown>;
  /** message text for messages */
  message?: string;
  severity?: 'info' | 'warning' | 'error';
}
type Answer = ((p: Prompt) => unknown) | string | number | boolean | undefined | null | readonly unknown[] | Record<string, unknown>;

export interface ShownMessage {
  severity: 'info' | 'warning' | 'error' | 'status';
  message: string;
  items: string[];
  modal: boolean;
}

export interface FakeWebviewPanel {
  viewType: string;
  title: string;
  webview: {
    html: string;
    options: unknown;
    cspSource: string;
    posted: unknown[];
    postMessage(m: unknown): Promise<boolean>;
    asWebviewUri(u: Uri): Uri;
    onDidReceiveMessage: Event<unknown>;
    /** test side: simulate the webview posting a message to the host */
    receive(m: unknown): void;
  };
  visible: boolean;
  active: boolean;
  viewColumn: ViewColumn;
  disposed: boolean;
  revealed: number;
  reveal(col?: ViewColumn): void;
  onDidDispose: Event<void>;
  onDidChangeViewState: Event<{ webviewPanel: FakeWebviewPanel }>;
  dispose(): void;
  /** test side: toggle visibility (fires onDidChangeViewState) */
  setVisible(v: boolean): void;
}

export interface FakeStatusBarItem {
  alignment: StatusBarAlignment;
  priority?: number;
  id?: string;
  text: string;
  tooltip?: string | MarkdownString;
  command?: string | { command: string; title: string; arguments?: unknown[] };
  name?: string;
  backgroundColor?: ThemeColor;
  visible: boolean;
  show(): void;
  hide(): void;
  dispose(): void;
}

export interface ProgressRecord {
  options: { location: unknown; title?: string; cancellable?: boolean };
  reports: { message?: string; increment?: number }[];
  cancel(): void;
  done: boolean;
}

function newRecorder() {
  return {
    commands: new Map<string, (...args: unknown[]) => unknown>(),
    executed: [] as { command: string; args: unknown[] }[],
    /** last value per context key */
    contexts: new Map<string, unknown>(),
    /** every setContext call in order */
    contextLog: [] as { key: string; value: unknown }[],
    messages: [] as ShownMessage[],
    prompts: [] as Prompt[],
    answers: { quickPick: [] as Answer[], inputBox: [] as Answer[], message: [] as Answer[] },
    progress: [] as ProgressRecord[],
    statusBarItems: [] as FakeStatusBarItem[],
    treeDataProviders: new Map<string, unknown>(),
    treeViews: new Map<string, { viewId: string; options: unknown; reveals: unknown[] }>(),
    panels: [] as FakeWebviewPanel[],
    serializers: new Map<string, unknown>(),
    contentProviders: new Map<string, unknown>(),
    fileSystemProviders: new Map<string, unknown>(),
    openedDocuments: [] as Uri[],
    shownDocuments: [] as { uri: Uri; options?: unknown }[],
    configuration: new Map<string, unknown>(),
    workspaceFolders: undefined as { uri: Uri; name: string; index: number }[] | undefined,
    outputChannels: [] as { name: string; lines: string[]; shown: number }[],
  };
}

type Recorder = ReturnType<typeof newRecorder> & {
  reset(): void;
  answer(kind: PromptKind, ...answers: Answer[]): void;
  /** unanswered scripted answers (assert this is 0 at the end of a flow) */
  pending(): number;
  lastMessage(severity?: ShownMessage['severity']): ShownMessage | undefined;
  /** run a registered command as VS Code would */
  run(command: string, ...args: unknown[]): Promise<unknown>;
};

export const stub: Recorder = Object.assign(newRecorder(), {
  reset(): void {
    Object.assign(stub, newRecorder());
  },
  answer(kind: PromptKind, ...answers: Answer[]): void {
    stub.answers[kind].push(...answers);
  },
  pending(): number {
    return stub.answers.quickPick.length + stub.answers.inputBox.length + stub.answers.message.length;
  },
  lastMessage(severity?: ShownMessage['severity']): ShownMessage | undefined {
    return [...stub.messages].reverse().find((m) => !severity || m.severity === severity);
  },
  async run(command: string, ...args: unknown[]): Promise<unknown> {
    return commands.executeCommand(command, ...args);
  },
});

function take(kind: PromptKind, p: Prompt): { has: boolean; value: unknown } {
  stub.prompts.push(p);
  const q = stub.answers[kind];
  if (!q.length) return { has: false, value: undefined };
  const a = q.shift();
  return { has: true, value: typeof a === 'function' ? (a as (p: Prompt) => unknown)(p) : a };
}

// ------------------------------------------------------------------------------------------------ commands
export const commands = {
  registerCommand(id: string, handler: (...args: unknown[]) => unknown): Disposable {
    if (stub.commands.has(id)) throw new Error(`command '${id}' already exists`);
    stub.commands.set(id, handler);
    return new Disposable(() => stub.commands.delete(id));
  },
  async executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
    stub.executed.push({ command: id, args });
    if (id === 'setContext') {
      stub.contexts.set(args[0] as string, args[1]);
      stub.contextLog.push({ key: args[0] as string, value: args[1] });
      return undefined;
    }
    const h = stub.commands.get(id);
    return h ? h(...args) : undefined;
  },
  async getCommands(): Promise<string[]> {
    return [...stub.commands.keys()];
  },
};

// ------------------------------------------------------------------------------------------------ window
function message(severity: 'info' | 'warning' | 'error') {
  return async (msg: string, ...rest: unknown[]): Promise<unknown> => {
    let modal = false;
    if (rest.length && typeof rest[0] === 'object' && rest[0] !== null && !('title' in (rest[0] as object))) {
      modal = !!(rest.shift() as { modal?: boolean }).modal;
    }
    const items = rest as (string | { title: string })[];
    const labels = items.map((i) => (typeof i === 'string' ? i : i.title));
    stub.messages.push({ severity, message: msg, items: labels, modal });
    if (!items.length) return undefined;
    const { value } = take('message', { kind: 'message', message: msg, items: labels, severity, options: { modal } });
    if (value === undefined) return undefined;
    return items.find((i) => (typeof i === 'string' ? i : i.title) === value);
  };
}

function statusBarItem(alignment = StatusBarAlignment.Left, priority?: number, id?: string): FakeStatusBarItem {
  const item: FakeStatusBarItem = {
    alignment,
    priority,
    id,
    text: '',
    visible: false,
    show: () => void (item.visible = true),
    hide: () => void (item.visible = false),
    dispose: () => void (item.visible = false),
  };
  stub.statusBarItems.push(item);
  return item;
}

function webviewPanel(viewType: string, title: string, column: ViewColumn, options: unknown): FakeWebviewPanel {
  const receive = new EventEmitter<unknown>();
  const disposeE = new EventEmitter<void>();
  const viewState = new EventEmitter<{ webviewPanel: FakeWebviewPanel }>();
  const panel: FakeWebviewPanel = {
    viewType,
    title,
    webview: {
      html: '',
      options,
      cspSource: 'https://stub.vscode-cdn.net',
      posted: [],
      async postMessage(m) {
        if (panel.disposed) return false;
        panel.webview.posted.push(m);
        return true;
      },
      asWebviewUri: (u) => u.with({ scheme: 'https', authority: 'stub.vscode-cdn.net' }),
      onDidReceiveMessage: receive.event,
      receive: (m) => receive.fire(m),
    },
    visible: true,
    active: true,
    viewColumn: column,
    disposed: false,
    revealed: 0,
    reveal(col) {
      panel.revealed++;
      if (col !== undefined) panel.viewColumn = col;
      panel.setVisible(true);
    },
    onDidDispose: disposeE.event,
    onDidChangeViewState: viewState.event,
    dispose() {
      if (panel.disposed) return;
      panel.disposed = true;
      disposeE.fire();
    },
    setVisible(v) {
      if (panel.visible === v) return;
      panel.visible = v;
      panel.active = v;
      viewState.fire({ webviewPanel: panel });
    },
  };
  stub.panels.push(panel);
  return panel;
}

function outputChannel(name: string) {
  const ch = { name, lines: [] as string[], shown: 0 };
  stub.outputChannels.push(ch);
  const line = (level: string) => (m: string, ...a: unknown[]) => void ch.lines.push(`[${level}] ${[m, ...a.map(String)].join(' ')}`);
  return {
    name,
    logLevel: LogLevel.Info,
    onDidChangeLogLevel: new EventEmitter<LogLevel>().event,
    append: (s: string) => void ch.lines.push(s),
    appendLine: (s: string) => void ch.lines.push(s),
    replace: (s: string) => void (ch.lines = [s]),
    clear: () => void (ch.lines.length = 0),
    show: () => void ch.shown++,
    hide: () => undefined,
    dispose: () => undefined,
    trace: line('trace'),
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: (e: string | Error, ...a: unknown[]) => line('error')(e instanceof Error ? e.message : e, ...a),
  };
}

export const window = {
  /** recorded in stub.messages as severity 'status' */
  setStatusBarMessage(text: string): Disposable {
    stub.messages.push({ severity: 'status', message: text, items: [], modal: false });
    return new Disposable(() => undefined);
  },
  showInformationMessage: message('info'),
  showWarningMessage: message('warning'),
  showErrorMessage: message('error'),
  async showQuickPick(items: readonly (string | QuickPickItemLike)[] | Promise<readonly (string | QuickPickItemLike)[]>, options?: Record<string, unknown>): Promise<unknown> {
    const list = await items;
    const norm = list.map((i) => (typeof i === 'string' ? { label: i } : i));
    const { has, value } = take('quickPick', { kind: 'quickPick', items: norm, options });
    if (!has) throw new Error(`unscripted quick pick: ${JSON.stringify(options?.title ?? options?.placeHolder ?? norm.map((i) => i.label))}`);
    if (value === undefined) return undefined;
    const find = (label: unknown): string | QuickPickItemLike => {
      const idx = norm.findIndex((i) => i.label === label);
      if (idx < 0) throw new Error(`scripted answer '${String(label)}' is not among the quick pick items ${JSON.stringify(norm.map((i) => i.label))}`);
      return list[idx];
    };
    if (options?.canPickMany) return (value as unknown[]).map(find);
    return find(value);
  },
  async showInputBox(options?: { value?: string; prompt?: string; title?: string; placeHolder?: string; validateInput?: (v: string) => unknown }): Promise<string | undefined> {
    const { has, value } = take('inputBox', { kind: 'inputBox', options: options as Record<string, unknown> });
    if (!has) throw new Error(`unscripted input box: ${JSON.stringify(options?.title ?? options?.prompt ?? '')}`);
    if (value === undefined) return undefined;
    const v = String(value);
    const invalid = await options?.validateInput?.(v);
    if (invalid) throw new Error(`scripted input '${v}' fails validation: ${typeof invalid === 'string' ? invalid : JSON.stringify(invalid)}`);
    return v;
  },
  async withProgress<R>(options: ProgressRecord['options'], task: (progress: { report(v: { message?: string; increment?: number }): void }, token: CancellationTokenSource['token']) => Thenable<R>): Promise<R> {
    const cts = new CancellationTokenSource();
    const rec: ProgressRecord = { options, reports: [], cancel: () => cts.cancel(), done: false };
    stub.progress.push(rec);
    try {
      return await task({ report: (v) => void rec.reports.push(v) }, cts.token);
    } finally {
      rec.done = true;
    }
  },
  createStatusBarItem(idOrAlignment?: string | StatusBarAlignment, alignmentOrPriority?: StatusBarAlignment | number, priority?: number): FakeStatusBarItem {
    if (typeof idOrAlignment === 'string') return statusBarItem(alignmentOrPriority as StatusBarAlignment, priority, idOrAlignment);
    return statusBarItem(idOrAlignment, alignmentOrPriority as number | undefined);
  },
  createOutputChannel: outputChannel,
  registerTreeDataProvider(viewId: string, provider: unknown): Disposable {
    stub.treeDataProviders.set(viewId, provider);
    return new Disposable(() => stub.treeDataProviders.delete(viewId));
  },
  createTreeView(viewId: string, options: { treeDataProvider: unknown }) {
    stub.treeDataProviders.set(viewId, options.treeDataProvider);
    const view = { viewId, options, reveals: [] as unknown[] };
    stub.treeViews.set(viewId, view);
    return {
      reveal: async (el: unknown) => void view.reveals.push(el),
      dispose: () => stub.treeViews.delete(viewId),
      onDidChangeSelection: new EventEmitter<unknown>().event,
      onDidChangeVisibility: new EventEmitter<unknown>().event,
      visible: true,
      selection: [] as unknown[],
      message: undefined as string | undefined,
      description: undefined as string | undefined,
    };
  },
  createWebviewPanel(viewType: string, title: string, show: ViewColumn | { viewColumn: ViewColumn }, options?: unknown): FakeWebviewPanel {
    return webviewPanel(viewType, title, typeof show === 'object' ? show.viewColumn : show, options);
  },
  registerWebviewPanelSerializer(viewType: string, serializer: unknown): Disposable {
    stub.serializers.set(viewType, serializer);
    return new Disposable(() => stub.serializers.delete(viewType));
  },
  registerCustomEditorProvider(viewType: string, provider: unknown): Disposable {
    stub.serializers.set(`customEditor:${viewType}`, provider);
    return new Disposable(() => stub.serializers.delete(`customEditor:${viewType}`));
  },
  async showTextDocument(docOrUri: { uri: Uri } | Uri, options?: unknown): Promise<unknown> {
    const uri = docOrUri instanceof Uri ? docOrUri : docOrUri.uri;
    stub.shownDocuments.push({ uri, options });
    return { document: { uri } };
  },
  activeTextEditor: undefined as unknown,
  /** for test code: the fake panel created last */
  get __lastPanel(): FakeWebviewPanel | undefined {
    return stub.panels[stub.panels.length - 1];
  },
};

// ------------------------------------------------------------------------------------------------ workspace
export const workspace = {
  get workspaceFolders() {
    return stub.workspaceFolders;
  },
  getConfiguration(section?: string) {
    const key = (k: string): string => (section ? `${section}.${k}` : k);
    return {
      get<T>(k: string, dflt?: T): T | undefined {
        return stub.configuration.has(key(k)) ? (stub.configuration.get(key(k)) as T) : dflt;
      },
      has: (k: string) => stub.configuration.has(key(k)),
      async update(k: string, v: unknown) {
        stub.configuration.set(key(k), v);
      },
    };
  },
  onDidChangeConfiguration: new EventEmitter<unknown>().event,
  registerTextDocumentContentProvider(scheme: string, provider: unknown): Disposable {
    stub.contentProviders.set(scheme, provider);
    return new Disposable(() => stub.contentProviders.delete(scheme));
  },
  registerFileSystemProvider(scheme: string, provider: unknown): Disposable {
    stub.fileSystemProviders.set(scheme, provider);
    return new Disposable(() => stub.fileSystemProviders.delete(scheme));
  },
  async openTextDocument(arg: Uri | { content?: string; language?: string }): Promise<{ uri: Uri; getText(): string }> {
    if (arg instanceof Uri) {
      stub.openedDocuments.push(arg);
      let text = '';
      if (arg.scheme === 'file' && fs.existsSync(arg.fsPath)) text = fs.readFileSync(arg.fsPath, 'utf8');
      const p = stub.contentProviders.get(arg.scheme) as { provideTextDocumentContent?: (u: Uri, t: unknown) => unknown } | undefined;
      if (p?.provideTextDocumentContent) text = String(await p.provideTextDocumentContent(arg, new CancellationTokenSource().token));
      return { uri: arg, getText: () => text };
    }
    const uri = Uri.from({ scheme: 'untitled', path: `Untitled-${stub.openedDocuments.length + 1}` });
    stub.openedDocuments.push(uri);
    return { uri, getText: () => arg.content ?? '' };
  },
  fs: {
    async readFile(u: Uri): Promise<Uint8Array> {
      return fs.readFileSync(u.fsPath);
    },
    async writeFile(u: Uri, data: Uint8Array): Promise<void> {
      fs.mkdirSync(nodePath.dirname(u.fsPath), { recursive: true });
      fs.writeFileSync(u.fsPath, data);
    },
    async stat(u: Uri): Promise<{ type: FileType; size: number; ctime: number; mtime: number }> {
      if (!fs.existsSync(u.fsPath)) throw FileSystemError.FileNotFound(u);
      const s = fs.statSync(u.fsPath);
      return { type: s.isDirectory() ? FileType.Directory : FileType.File, size: s.size, ctime: s.ctimeMs, mtime: s.mtimeMs };
    },
    async createDirectory(u: Uri): Promise<void> {
      fs.mkdirSync(u.fsPath, { recursive: true });
    },
  },
  async findFiles(): Promise<Uri[]> {
    return [];
  },
};

export const env = {
  clipboard: { text: '', async writeText(t: string) { env.clipboard.text = t; }, async readText() { return env.clipboard.text; } },
  async openExternal(): Promise<boolean> {
    return true;
  },
  uiKind: 1,
};

export const l10n = { t: (s: string, ...args: unknown[]) => s.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)])) };

// ------------------------------------------------------------------------------------------------ contexts
/** A minimal ExtensionContext for features under test. `root` is the extension folder (default: the repo). */
export function fakeContext(opts: { root?: string; storage?: string; packageJSON?: unknown } = {}) {
  const root = opts.root ?? nodePath.resolve(__dirname, '..', '..');
  const storage = opts.storage ?? fs.mkdtempSync(nodePath.join(require('node:os').tmpdir(), 'selfreward-ctx-'));
  const memento = () => {
    const m = new Map<string, unknown>();
    return {
      get: <T>(k: string, d?: T) => (m.has(k) ? (m.get(k) as T) : d),
      update: async (k: string, v: unknown) => void m.set(k, v),
      keys: () => [...m.keys()],
      setKeysForSync: () => undefined,
    };
  };
  const secrets = new Map<string, string>();
  return {
    subscriptions: [] as { dispose(): unknown }[],
    extensionUri: Uri.file(root),
    extensionPath: root,
    globalStorageUri: Uri.file(nodePath.join(storage, 'global')),
    storageUri: Uri.file(nodePath.join(storage, 'workspace')),
    logUri: Uri.file(nodePath.join(storage, 'log')),
    globalState: memento(),
    workspaceState: memento(),
    secrets: {
      get: async (k: string) => secrets.get(k),
      store: async (k: string, v: string) => void secrets.set(k, v),
      delete: async (k: string) => void secrets.delete(k),
      onDidChange: new EventEmitter<unknown>().event,
    },
    extension: { id: 'selfreward.selfreward', packageJSON: opts.packageJSON ?? JSON.parse(fs.readFileSync(nodePath.join(root, 'package.json'), 'utf8')) },
    asAbsolutePath: (p: string) => nodePath.join(root, p),
    /** dispose everything registered (call in test teardown) */
    dispose(): void {
      for (const d of this.subscriptions.splice(0)) d.dispose();
    },
  };
}

/** A LogOutputChannel for Services under test; its lines land in stub.outputChannels. */
export function fakeLog(name = 'Self-Rewarding') {
  return outputChannel(name);
}
