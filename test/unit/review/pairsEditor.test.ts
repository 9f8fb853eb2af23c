import { stub, fakeContext, fakeLog } from '../../helpers/vscodeStub';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pairsFeature } from '../../../src/pairs/feature';
import { PAIRS_VIEW_TYPE, PairsEditorProvider, parseRemotePairsUri, remotePairsUri, type PairsDocument } from '../../../src/pairs/provider';
import type { Services } from '../../../src/services';
import { readJsonl } from '../../../remote/store/jsonl';
import { setQuiet } from '../../../remote/log';
import type { PairDecision } from '../../../remote/protocol';
import type { PairsToHost, PairsToWebview } from '../../../webview/pairs/messages';
import { tmpDir } from '../../helpers/tmp';
import { writePairsFile } from '../../helpers/pairsFixture';

setQuiet(true);

function services(): Services {
  const context = fakeContext() as unknown as vscode.ExtensionContext;
  const never = new vscode.EventEmitter<never>();
  return {
    context,
    log: fakeLog() as unknown as vscode.LogOutputChannel,
    connection: { agent: undefined, state: 'offline', onDidChange: never.event, onDidChangeState: never.event, connectLocal: () => Promise.reject(new Error('x')), attach: () => Promise.reject(new Error('x')), disconnect: async () => undefined },
    currentRunId: undefined,
    onDidChangeCurrentRun: never.event,
    setCurrentRun: () => undefined,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

test('custom editor provider: webview under CSP, edits reported to VS Code with undo/redo, save/backup/revert, survives close and reopen', async () => {
  stub.reset();
  const dir = tmpDir();
  const file = path.join(dir, 'a.pairs.jsonl');
  writePairsFile(file, 12);
  const original = fs.readFileSync(file);
  const s = services();
  await pairsFeature.activate?.(s);
  const provider = stub.serializers.get(`customEditor:${PAIRS_VIEW_TYPE}`) as PairsEditorProvider;
  assert.ok(provider instanceof PairsEditorProvider, 'registered for the viewType in package.json');
  const edits: vscode.CustomDocumentEditEvent<PairsDocument>[] = [];
  provider.onDidChangeCustomDocument((e) => void edits.push(e as vscode.CustomDocumentEditEvent<PairsDocument>));

  const uri = vscode.Uri.file(file);
  const doc = await provider.openCustomDocument(uri, { backupId: undefined, untitledDocumentData: undefined });
  const panel = vscode.window.createWebviewPanel(PAIRS_VIEW_TYPE, 'a', vscode.ViewColumn.One);
  await provider.resolveCustomEditor(doc, panel as unknown as vscode.WebviewPanel);
  const html = (panel as unknown as { webview: { html: string } }).webview.html;
  assert.match(html, /Content-Security-Policy/);
  assert.match(html, /script-src 'nonce-/);
  assert.match(html, /dist\/webview\/pairs\.js/);
  const fake = stub.panels.at(-1)!;
  const send = async (m: PairsToHost) => {
    fake.webview.receive(m);
    await settle();
  };
  await send({ type: 'ready' });
  await send({ type: 'page', reqId: 1, offset: 0, limit: 5 });
  const posted = fake.webview.posted as PairsToWebview[];
  assert.deepEqual(posted.map((m) => m.type), ['init', 'gate', 'page']);
  assert.equal((posted[0] as Extract<PairsToWebview, { type: 'init' }>).hostHandlesUndoKeys, true);
  assert.equal((posted[2] as Extract<PairsToWebview, { type: 'page' }>).total, 12);

  await send({ type: 'decide', label: 'Accept pair', decisions: [{ pairId: 'p0', kind: 'accept' }] });
  await send({ type: 'decide', label: 'Reject pair', decisions: [{ pairId: 'p1', kind: 'reject' }] });
  assert.deepEqual(edits.map((e) => e.label), ['Accept pair', 'Reject pair'], 'one VS Code edit per action');
  await edits[1].undo();
  assert.equal(doc.model.current('p1').state, 'unreviewed');
  await edits[1].redo();
  assert.equal(doc.model.current('p1').state, 'rejected');
  await send({ type: 'undo' });
  assert.deepEqual(stub.executed.filter((c) => c.command === 'undo').length, 1, 'the webview undo goes through VS Code');

  // Hot exit: the backup restores the unsaved decisions into a new document.
  const backupUri = vscode.Uri.file(path.join(dir, 'backup', 'b1'));
  const backup = await provider.backupCustomDocument(doc, { destination: backupUri });
  const restored = await provider.openCustomDocument(uri, { backupId: backup.id, untitledDocumentData: undefined });
  assert.equal(restored.model.dirty, true);
  assert.equal(restored.model.current('p1').state, 'rejected');
  backup.delete();
  restored.dispose();

  await provider.saveCustomDocument(doc);
  const decisionsFile = path.join(dir, 'a.decisions.jsonl');
  assert.deepEqual(readJsonl<PairDecision>(decisionsFile).map((d) => `${d.pairId}:${d.kind}`), ['p0:accept', 'p1:reject']);
  await send({ type: 'decide', label: 'Flip pair', decisions: [{ pairId: 'p2', kind: 'flip' }] });
  await provider.revertCustomDocument(doc);
  assert.equal(doc.model.dirty, false);
  assert.equal(doc.model.current('p2').state, 'unreviewed');
  panel.dispose();
  doc.dispose();

  // Close and reopen: the saved decisions are there.
  const again = await provider.openCustomDocument(uri, { backupId: undefined, untitledDocumentData: undefined });
  const page = await again.model.page(0, 3);
  assert.deepEqual(page.pairs.map((p) => p.review?.state), ['accepted', 'rejected', 'unreviewed']);
  again.dispose();
  assert.ok(original.equals(fs.readFileSync(file)), 'pairs file never modified');

  const r = remotePairsUri('my-run-20250101-000000', 3);
  assert.deepEqual(parseRemotePairsUri(r as unknown as vscode.Uri), { runId: 'my-run-20250101-000000', iteration: 3, kind: 'actor' });
  // the meta-judge's judge pairs of the same iteration: their own tab title and kind
  const j = remotePairsUri('my-run-20250101-000000', 3, 'my run', 'judge');
  assert.match(j.path, /\/judge pairs · iteration 3 · my run$/);
  assert.deepEqual(parseRemotePairsUri(j as unknown as vscode.Uri), { runId: 'my-run-20250101-000000', iteration: 3, kind: 'judge' });
});

test('Export Preference Pairs…: format pick → save dialog → HF folder with card; Review opens the editor', async () => {
  stub.reset();
  const dir = tmpDir();
  const file = path.join(dir, 'b.pairs.jsonl');
  writePairsFile(file, 10);
  fs.writeFileSync(path.join(dir, 'b.decisions.jsonl'), [{ pairId: 'p0', kind: 'accept', ts: 't' }, { pairId: 'p1', kind: 'reject', ts: 't' }].map((d) => JSON.stringify(d)).join('\n') + '\n');
  const s = services();
  await pairsFeature.activate?.(s);
  const provider = stub.serializers.get(`customEditor:${PAIRS_VIEW_TYPE}`) as PairsEditorProvider;
  const exportCmd = pairsFeature.commands!.exportPairs(s);
  // An open editor with unsaved decisions: the export asks first (here: export the saved ones only).
  const open = await provider.openCustomDocument(vscode.Uri.file(file), { backupId: undefined, untitledDocumentData: undefined });
  open.model.apply('Accept', [{ pairId: 'p5', kind: 'reject' }]);
  stub.answer('message', 'Export Saved Only');
  const dest = path.join(dir, 'out', 'b-dataset');
  (vscode.window as unknown as { showSaveDialog: () => Promise<vscode.Uri> }).showSaveDialog = async () => vscode.Uri.file(dest);
  stub.answer('quickPick', 'Hugging Face dataset folder');
  stub.answer('quickPick', 'Every pair not rejected');
  await exportCmd(vscode.Uri.file(file));
  assert.equal(stub.lastMessage('error'), undefined, JSON.stringify(stub.messages));
  assert.match(stub.lastMessage('info')?.message ?? '', /Exported 9 pairs \(1 left out\)/);
  assert.equal(readJsonl(path.join(dest, 'train.jsonl')).length, 9);
  assert.match(fs.readFileSync(path.join(dest, 'README.md'), 'utf8'), /^---\n[\s\S]*data_files:[\s\S]*\n---\n/);
  assert.ok(stub.progress.length >= 1, 'export shows progress');
  assert.ok(stub.messages.some((m) => m.severity === 'warning' && /unsaved decisions/.test(m.message) && m.modal));
  open.dispose();
  assert.equal(provider.documentFor(vscode.Uri.file(file)), undefined);

  const review = pairsFeature.commands!.reviewPairs(s);
  await review(vscode.Uri.file(file));
  const opened = stub.executed.find((c) => c.command === 'vscode.openWith');
  assert.equal(opened?.args[1], PAIRS_VIEW_TYPE);
  assert.equal((opened?.args[0] as vscode.Uri).fsPath, file);

  // The dashboard calls it with (runId, iteration); the runs tree opens remote run files through its own scheme.
  await review('my-run-20250101-000000', 2);
  const remote = stub.executed.filter((c) => c.command === 'vscode.openWith').at(-1)?.args[0] as vscode.Uri;
  assert.deepEqual(parseRemotePairsUri(remote), { runId: 'my-run-20250101-000000', iteration: 2, kind: 'actor' });
  assert.deepEqual(parseRemotePairsUri(vscode.Uri.from({ scheme: 'selfreward-run', path: '/my-run-20250101-000000/iterations/4/pairs.jsonl' })), { runId: 'my-run-20250101-000000', iteration: 4, kind: 'actor' });
  assert.deepEqual(parseRemotePairsUri(vscode.Uri.from({ scheme: 'selfreward-run', path: '/my-run-20250101-000000/iterations/4/judge-pairs.jsonl' })), { runId: 'my-run-20250101-000000', iteration: 4, kind: 'judge' });
  // Review Judge Pairs with (runId, iteration): the judge-pair mode of the same editor
  await pairsFeature.commands!.reviewJudgePairs(s)('my-run-20250101-000000', 2);
  const judge = stub.executed.filter((c) => c.command === 'vscode.openWith').at(-1);
  assert.equal(judge?.args[1], PAIRS_VIEW_TYPE);
  assert.deepEqual(parseRemotePairsUri(judge?.args[0] as vscode.Uri), { runId: 'my-run-20250101-000000', iteration: 2, kind: 'judge' });
  assert.equal(parseRemotePairsUri(vscode.Uri.from({ scheme: 'selfreward-run', path: '/r/iterations/4/judgments.jsonl' })), undefined);
});

test('word diff: similar answers diff; unrelated ones are recognised as too different for a diff to mean anything', async () => {
  const { wordDiff, diffSimilarity, MIN_DIFF_SIMILARITY } = await import('../../../webview/pairs/diff');
  const close = wordDiff('Paris is the capital of France and its largest city.', 'Paris is the capital of France, and also its largest city.')!;
  assert.ok(diffSimilarity(close) > MIN_DIFF_SIMILARITY, `similar: ${diffSimilarity(close)}`);
  const far = wordDiff('Photosynthesis turns light into chemical energy in the chloroplasts of plants.', 'To bake bread, mix flour, water and yeast, then knead the dough and let it rise.')!;
  assert.ok(diffSimilarity(far) < MIN_DIFF_SIMILARITY, `unrelated: ${diffSimilarity(far)}`);
  assert.equal(diffSimilarity(wordDiff('same text', 'same text')!), 1);
});
