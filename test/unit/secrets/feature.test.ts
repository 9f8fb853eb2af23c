import { stub, fakeContext, fakeLog, EventEmitter, env } from '../../helpers/vscodeStub';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { secretsFeature } from '../../../src/secrets/feature';
import type { AgentApi } from '../../../src/connection/agentApi';
import type { Services } from '../../../src/services';
import type { RequestMethod, RequestParams, RequestResult } from '../../../remote/protocol';
import { secretsHandlers } from '../../../remote/server/handlers/secrets';
import { preflightHandlers } from '../../../remote/server/handlers/preflight';
import type { AgentContext, ConnectionContext, HandlerMap } from '../../../remote/server/types';
import { getSecret } from '../../../remote/secrets';

/** An AgentApi answering with the agent's real handlers, in process. */
function inProcessAgent(): AgentApi & { calls: { method: string; params: unknown }[] } {
  const handlers: HandlerMap = { ...secretsHandlers, ...preflightHandlers };
  const agentCtx = { store: { runsDir: os.tmpdir() } } as unknown as AgentContext;
  const conn = { id: 1, notify: () => undefined, onClose: () => undefined } as ConnectionContext;
  const calls: { method: string; params: unknown }[] = [];
  return {
    label: 'in-process',
    state: 'connected',
    calls,
    onDidChangeState: () => ({ dispose: () => undefined }),
    onNotification: () => ({ dispose: () => undefined }),
    dispose: () => undefined,
    async request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
      calls.push({ method, params });
      const h = handlers[method] as unknown as (p: unknown, a: AgentContext, c: ConnectionContext, s: AbortSignal) => Promise<RequestResult<M>>;
      return h(params, agentCtx, conn, new AbortController().signal);
    },
  };
}

function services() {
  const context = fakeContext();
  const change = new EventEmitter<AgentApi | undefined>();
  const connection = {
    agent: undefined as AgentApi | undefined,
    state: 'offline',
    onDidChange: change.event,
    onDidChangeState: new EventEmitter<never>().event,
    connectLocal: () => Promise.reject(new Error('n/a')),
    disconnect: async () => undefined,
  };
  const s = { context, log: fakeLog(), connection, currentRunId: undefined, onDidChangeCurrentRun: new EventEmitter<string | undefined>().event, setCurrentRun: () => undefined } as unknown as Services;
  const connect = (a: AgentApi | undefined) => {
    connection.agent = a;
    change.fire(a);
  };
  return { s, context, connect };
}

const flush = () => new Promise((r) => setTimeout(r, 20));

test('Set API Key: stored in SecretStorage, handed to the agent (memory) on connect and at once when connected; empty removes', async () => {
  stub.reset();
  const { s, context, connect } = services();
  await secretsFeature.activate!(s);
  stub.answer('inputBox', 'SELFREWARD_FEATURE_KEY', 'sk-one');
  await secretsFeature.commands!.setApiKey(s)();
  assert.equal(await context.secrets.get('selfreward.apiKey.SELFREWARD_FEATURE_KEY'), 'sk-one');
  assert.equal(getSecret('SELFREWARD_FEATURE_KEY'), undefined, 'not connected: nothing sent yet');
  assert.match(stub.lastMessage('info')!.message, /goes to the agent when you connect/);
  const agent = inProcessAgent();
  connect(agent);
  await flush();
  assert.equal(getSecret('SELFREWARD_FEATURE_KEY'), 'sk-one');
  // the key prompt is a password box
  assert.equal((stub.prompts[1] as { options: { password?: boolean } }).options.password, true);
  // while connected: sent at once; the name can be passed as an argument
  stub.answer('inputBox', 'sk-two');
  await secretsFeature.commands!.setApiKey(s)('SELFREWARD_FEATURE_KEY');
  assert.equal(getSecret('SELFREWARD_FEATURE_KEY'), 'sk-two');
  stub.answer('inputBox', '');
  await secretsFeature.commands!.setApiKey(s)('SELFREWARD_FEATURE_KEY');
  assert.equal(getSecret('SELFREWARD_FEATURE_KEY'), undefined);
  assert.equal(await context.secrets.get('selfreward.apiKey.SELFREWARD_FEATURE_KEY'), undefined);
  assert.deepEqual(agent.calls.map((c) => c.method), ['secrets/set', 'secrets/set', 'secrets/set']);
  assert.equal(stub.pending(), 0);
});

test('Run Preflight Checks: the agent\'s checks in an output channel; a picked problem copies its fix', async () => {
  stub.reset();
  const { s, connect } = services();
  await secretsFeature.commands!.preflight(s)();
  assert.match(stub.lastMessage('warning')!.message, /connect to a GPU host/);
  connect(inProcessAgent());
  let offered: { label: string; detail?: string }[] = [];
  stub.answer('quickPick', (p: unknown) => {
    offered = (p as unknown as { items: { label: string; detail?: string }[] }).items;
    return offered[0]?.label;
  });
  await secretsFeature.commands!.preflight(s)();
  const ch = stub.outputChannels.find((c) => c.name === 'Self-Rewarding Preflight')!;
  const text = ch.lines.join('');
  assert.match(text, /Preflight on in-process/);
  assert.match(text, /node\s+Node v/);
  if (/preflight: ready/.test(text)) {
    stub.answers.quickPick.length = 0; // a GPU box with everything installed: nothing to pick
    assert.match(stub.lastMessage('info')!.message, /ready for real runs/);
  } else {
    assert.ok(offered.length > 0);
    const fix = offered[0].detail!.replace(/^fix: /, '');
    assert.equal(await env.clipboard.readText(), fix);
  }
});

test('Run Preflight Checks with a current run checks what its config uses: a sim run is not told about vLLM, TRL or GPUs', async () => {
  const { fakeWorld } = await import('../ui/fakes');
  const { runsModel } = await import('../../../src/runs/runsModel');
  const { agent, connection, services: s } = fakeWorld();
  try {
    agent.addRun('r1', 'demo', [], { name: 'demo', model: { backend: 'sim', name: 'sim-base' }, trainer: { backend: 'sim' }, seedData: [{ path: 'builtin:demo', format: 'auto' }] } as never);
    agent.handlers.set('preflight/run', (p) => preflightHandlers['preflight/run']!(p as never, { store: { runsDir: os.tmpdir() } } as unknown as AgentContext, {} as ConnectionContext, new AbortController().signal));
    await connection.connectLocal();
    s.setCurrentRun('r1');
    await runsModel(s).track('r1');
    await secretsFeature.commands!.preflight(s)();
    const [params] = agent.calls('preflight/run') as { config?: { model: { backend: string } } }[];
    assert.equal(params.config?.model.backend, 'sim', 'the run config went with the request');
    const text = stub.outputChannels.find((c) => c.name === 'Self-Rewarding Preflight')!.lines.join('');
    assert.match(text, /for run "demo" \(model sim, trainer sim\)/);
    assert.doesNotMatch(text, /vllm|trl|accelerate/i, 'nothing about backends the run does not use');
    assert.match(text, /preflight: ready/, 'a demo user is told of no problems');
  } finally {
    s.dispose();
  }
});
