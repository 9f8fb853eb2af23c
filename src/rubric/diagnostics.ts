/** Editor diagnostics for rubric files: lintRubric's problems as a DiagnosticCollection, kept current as you type. */
import * as vscode from 'vscode';
import { RUBRIC_SPEC, lintRubric, type TemplateSpec } from './lint';

/** Rubric files: `rubric.md`, `*.rubric.md`, `rubric.txt`, `*.rubric.txt` — plus any file opened by Edit Judge Rubric. */
export const RUBRIC_FILE_RE = /(^|[\\/]|\.)rubric\.(md|txt)$/i;

export class RubricDiagnostics implements vscode.Disposable {
  readonly collection: vscode.DiagnosticCollection;
  private readonly tracked = new Set<string>();
  private readonly subs: vscode.Disposable[];

  /** `spec` and `fileRe`: the template kind checked and the files that are it (the meta-judge template passes its own). */
  constructor(private readonly spec: TemplateSpec = RUBRIC_SPEC, private readonly fileRe: RegExp = RUBRIC_FILE_RE) {
    this.collection = vscode.languages.createDiagnosticCollection(spec === RUBRIC_SPEC ? 'selfreward-rubric' : 'selfreward-meta-judge');
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
    return this.tracked.has(doc.uri.toString()) || (doc.uri.scheme === 'file' && this.fileRe.test(doc.uri.fsPath));
  }

  update(doc: vscode.TextDocument): void {
    if (!this.isRubric(doc)) return;
    this.collection.set(doc.uri, toDiagnostics(doc, this.spec));
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.collection.dispose();
  }
}

export function toDiagnostics(doc: vscode.TextDocument, spec: TemplateSpec = RUBRIC_SPEC): vscode.Diagnostic[] {
  return lintRubric(doc.getText(), spec).map((p) => {
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
