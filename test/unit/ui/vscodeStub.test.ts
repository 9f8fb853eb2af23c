import { stub } from '../../helpers/vscodeStub';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vscode from 'vscode';

test('`vscode` resolves to the stub; commands, setContext and scripted prompts are recorded', async () => {
  stub.reset();
  const d = vscode.commands.registerCommand('x.hello', (a: unknown) => `hi ${String(a)}`);
  assert.equal(await vscode.commands.executeCommand('x.hello', 'bob'), 'hi bob');
  await vscode.commands.executeCommand('setContext', 'x.ready', true);
  assert.equal(stub.contexts.get('x.ready'), true);
  stub.answer('quickPick', 'b');
  stub.answer('inputBox', '42');
  stub.answer('message', 'Retry');
  const picked = await vscode.window.showQuickPick([{ label: 'a' }, { label: 'b', description: 'second' }], { title: 'pick' });
  assert.deepEqual(picked, { label: 'b', description: 'second' });
  assert.equal(await vscode.window.showInputBox({ value: '1', validateInput: (v) => (/^\d+$/.test(v) ? undefined : 'number') }), '42');
  assert.equal(await vscode.window.showErrorMessage('boom', 'Show Log', 'Retry'), 'Retry');
  assert.equal(stub.lastMessage('error')?.message, 'boom');
  await assert.rejects(async () => vscode.window.showQuickPick(["z"]), /unscripted quick pick/);
  stub.answer('inputBox', 'abc');
  await assert.rejects(async () => vscode.window.showInputBox({ validateInput: (v) => (/^\d+$/.test(v) ? undefined : 'number') }), /fails validation: number/);
  assert.equal(stub.pending(), 0);
  d.dispose();
  assert.equal(stub.commands.has('x.hello'), false);
});
