/** Editor diagnostics for rubric files: lintRubric's problems as a DiagnosticCollection, kept current as you type. */
import * as vscode from 'vscode';
import { lintRubric } from './lint';

/** Rubric files: `rubric.md`, `*.rubric.md`, `rubric.txt`, `*.rubric.txt` — plus any file opened by Edit Judge Rubric. */
export const RUBRIC_FILE_RE = /(^|[\\/]|\.)rubric\.(md|txt)$/i;

export class RubricDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('selfreward-rubric');
  private readonly tracked = new Set<string>();
  private readonly subs: vscode.Disposable[];

  constructor() {
    this.subs = [
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.update(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    ];
    for (const d of vscode.workspace.textDocuments) this.update(d);
  }

  /** Treat this document as a rubric from now on (whatever its name). */
  track(doc: vscode.TextDocument): void {
    this.tracked.add(doc.uri.toString());
    this.update(doc);
  }

  isRubric(doc: vscode.TextDocument): boolean {
    return this.tracked.has(doc.uri.toString()) || (doc.uri.scheme === 'file' && RUBRIC_FILE_RE.test(doc.uri.fsPath));
  }

  update(doc: vscode.TextDocument): void {
    if (!this.isRubric(doc)) return;
    this.collection.set(doc.uri, toDiagnostics(doc));
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.collection.dispose();
  }
}

export function toDiagnostics(doc: vscode.TextDocument): vscode.Diagnostic[] {
  return lintRubric(doc.getText()).map((p) => {
    const d = new vscode.Diagnostic(
      new vscode.Range(doc.positionAt(p.start), doc.positionAt(p.end)),
      p.message,
      p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
    );
    d.source = 'selfreward';
    d.code = p.code;
    return d;
  });
}
