import 'reflect-metadata';
import type { Scenario } from './scenario';
import { append } from './scenarios/append';
import { emmett } from './scenarios/emmett';
import { lag, lagAll } from './scenarios/lag';
import { fanout } from './scenarios/fanout';
import { importListing } from './scenarios/import';
import { query } from './scenarios/query';
import { rebuild } from './scenarios/rebuild';
import { series } from './scenarios/series';
import { sync } from './scenarios/sync';
import { transparency } from './scenarios/transparency';
import { webhooks } from './scenarios/webhooks';
import { dropAllBenchDatabases } from './support/database';
import { RESULTS_DIR } from './support/env';
import { Progress } from './support/progress';
import { ScenarioResult, describeMachine, machine, table, writeResult } from './support/report';

/**
 * `npm run bench` runs every benchmark; `npm run bench -- NAME [NAME…]` runs some. Each writes
 * bench/results/<name>.json; the table of all figures goes to stdout, progress to stderr.
 */
const SCENARIOS: Scenario[] = [append, emmett, lag, lagAll, rebuild, fanout, query, series, sync, transparency, importListing, webhooks];

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h') || args.includes('--list')) {
    process.stdout.write(`usage: npm run bench [-- NAME...]\n\n${SCENARIOS.map((s) => `  ${s.name.padEnd(8)} ${s.title}`).join('\n')}\n`);
    return 0;
  }
  const unknown = args.filter((a) => !SCENARIOS.some((s) => s.name === a));
  if (unknown.length) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; one of ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const selected = args.length ? SCENARIOS.filter((s) => args.includes(s.name)) : SCENARIOS;
  const m = await machine();
  process.stderr.write(`machine: ${describeMachine(m)}\n`);
  const results: ScenarioResult[] = [];
  const t0 = Date.now();
  for (const s of selected) {
    const progress = new Progress(s.name);
    const startedAt = new Date();
    let result: ScenarioResult;
    try {
      result = { scenario: s.name, title: s.title, ...(await s.run(progress)) };
    } catch (err) {
      progress.stop();
      result = { scenario: s.name, title: s.title, figures: [], details: {}, notes: [], error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      process.stderr.write(`[${s.name}] failed: ${result.error}\n`);
    }
    progress.stop();
    const seconds = (Date.now() - startedAt.getTime()) / 1000;
    const file = writeResult(result, m, startedAt, seconds);
    process.stderr.write(`[${s.name}] done in ${seconds.toFixed(0)} s -> ${file}\n`);
    results.push(result);
  }
  process.stdout.write(`\nalmanac benchmarks, ${new Date().toISOString().slice(0, 10)}: ${describeMachine(m)}\n\n${table(results)}\n\n`);
  process.stdout.write(`total ${((Date.now() - t0) / 1000).toFixed(0)} s; figures and details in ${RESULTS_DIR}\n`);
  return results.some((r) => r.error) ? 1 : 0;
}

let interrupted = false;
const onSignal = () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\ninterrupted: dropping the benchmark databases\n');
  void dropAllBenchDatabases().finally(() => process.exit(130));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
