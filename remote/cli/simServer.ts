/**
 * `agent.js sim-server [--port 0] [--model-dir DIR] [--max-concurrency C] [--tokens-per-second R] [--ttft MS]
 *  [--zero-latency] [--malformed-judgment-rate X] [--fault-429 X --fault-500 X --fault-hang X --fault-cut X
 *  --fault-malformed X] [--fault-seed N]`
 * Prints its base URL (one line) and serves on 127.0.0.1 until SIGTERM/SIGINT. Unset fault flags fall back to the
 * SELFREWARD_SIM_FAULT_* environment variables. Bad flags → a message and exit code 2.
 */
import { parseArgs } from 'node:util';
import type { SimFaultRates } from '../protocol';
import { FAULT_SEED_ENV, faultRatesFromEnv, validateFaultRates } from '../backends/sim/faults';
import { startSimServer } from '../backends/sim/server';
import { UsageError, numberFlag } from './flags';

export const description = 'the simulated OpenAI-compatible model server (demo and tests)';
export const usage = `usage: agent.js sim-server [--port 0] [--model-dir DIR] [--max-concurrency C] [--tokens-per-second R] [--ttft MS]
  [--zero-latency] [--malformed-judgment-rate X] [--fault-429 X] [--fault-500 X] [--fault-hang X] [--fault-cut X]
  [--fault-malformed X] [--fault-seed N]
`;

function faultSeedFromEnv(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!Number.isInteger(Number(raw))) throw new UsageError(`environment variable ${FAULT_SEED_ENV}: expected an integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        'model-dir': { type: 'string' },
        'max-concurrency': { type: 'string' },
        'tokens-per-second': { type: 'string' },
        ttft: { type: 'string' },
        'zero-latency': { type: 'boolean' },
        'malformed-judgment-rate': { type: 'string' },
        'fault-429': { type: 'string' },
        'fault-500': { type: 'string' },
        'fault-hang': { type: 'string' },
        'fault-cut': { type: 'string' },
        'fault-malformed': { type: 'string' },
        'fault-seed': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    const rate = (flag: string): number | undefined => numberFlag(values as Record<string, unknown>, flag, { min: 0, max: 1 });
    const env = faultRatesFromEnv(process.env);
    const faults: SimFaultRates = validateFaultRates(
      {
        rate429: rate('fault-429') ?? env.rate429,
        rate500: rate('fault-500') ?? env.rate500,
        rateHang: rate('fault-hang') ?? env.rateHang,
        rateCut: rate('fault-cut') ?? env.rateCut,
        rateMalformed: rate('fault-malformed') ?? env.rateMalformed,
      },
      'fault flags',
    );
    const envSeed = process.env[FAULT_SEED_ENV];
    opts = {
      port: numberFlag(values as Record<string, unknown>, 'port', { min: 0, max: 65535, integer: true }) ?? 0,
      modelDir: values['model-dir'],
      maxConcurrency: numberFlag(values as Record<string, unknown>, 'max-concurrency', { min: 1, integer: true }),
      tokensPerSecond: numberFlag(values as Record<string, unknown>, 'tokens-per-second', { min: 0, exclusiveMin: true }),
      ttftMs: numberFlag(values as Record<string, unknown>, 'ttft', { min: 0 }),
      zeroLatency: values['zero-latency'] ?? false,
      malformedJudgmentRate: rate('malformed-judgment-rate'),
      faults,
      faultSeed: numberFlag(values as Record<string, unknown>, 'fault-seed', { integer: true }) ?? faultSeedFromEnv(envSeed),
    };
  } catch (e) {
    process.stderr.write(`sim-server: ${(e as Error).message}\n${e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? usage : ''}`);
    return 2;
  }
  const server = await startSimServer(opts);
  process.stdout.write(server.baseUrl + '\n');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await server.close();
  return 0;
}
