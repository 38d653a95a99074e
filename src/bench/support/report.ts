import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { postgresVersion } from './database';
import { redisVersion } from './app';
import { RESULTS_DIR } from './env';

export interface Target {
  op: '<' | '>=';
  value: number;
}

/** One number of a benchmark; `kind: 'limit'` marks a machine limit measured in the same run. */
export interface Figure {
  metric: string;
  value: number | null;
  unit: string;
  kind?: 'figure' | 'limit';
  target?: Target;
  note?: string;
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  figures: Figure[];
  details: Record<string, unknown>;
  notes: string[];
  error?: string;
}

export interface Machine {
  cpus: { model: string; speedMHz: number }[];
  cpuCount: number;
  totalMemoryBytes: number;
  totalMemory: string;
  os: string;
  node: string;
  postgres: string;
  redis: string;
}

export async function machine(): Promise<Machine> {
  const list = cpus();
  return {
    cpus: list.map((c) => ({ model: c.model, speedMHz: c.speed })),
    cpuCount: list.length,
    totalMemoryBytes: totalmem(),
    totalMemory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${process.platform} ${release()}`,
    node: process.version,
    postgres: await postgresVersion().catch((e: unknown) => `unknown (${String(e)})`),
    redis: await redisVersion().catch((e: unknown) => `unknown (${String(e)})`),
  };
}

export const describeMachine = (m: Machine): string =>
  `${m.cpuCount} × ${m.cpus[0]?.model ?? 'unknown CPU'}, ${m.totalMemory} RAM, ${m.os}; node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}`;

export function met(f: Figure): boolean | null {
  if (!f.target || f.value === null || !Number.isFinite(f.value)) return f.target ? false : null;
  return f.target.op === '<' ? f.value < f.target.value : f.value >= f.target.value;
}

const formatNumber = (n: number | null, unit: string): string => {
  if (n === null || !Number.isFinite(n)) return 'n/a';
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  const s = n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit === '%' ? `${s} %` : unit ? `${s} ${unit}` : s;
};

export const formatTarget = (f: Figure): string => (f.target ? `${f.target.op === '<' ? '<' : '≥'} ${formatNumber(f.target.value, f.unit)}` : '');

export function writeResult(r: ScenarioResult, m: Machine, startedAt: Date, seconds: number): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${r.scenario}.json`);
  const figures = r.figures.map((f) => ({ ...f, kind: f.kind ?? 'figure', met: met(f) }));
  writeFileSync(file, `${JSON.stringify({ ...r, figures, startedAt: startedAt.toISOString(), seconds: Math.round(seconds * 10) / 10, machine: m }, null, 2)}\n`);
  return file;
}

/** A Markdown table (readable in a terminal, pasted as is into the README). */
export function table(results: ScenarioResult[]): string {
  const rows: string[][] = [['benchmark', 'figure', 'value', 'target', '']];
  for (const r of results) {
    if (r.error) rows.push([r.scenario, 'failed', r.error.split('\n')[0].slice(0, 120), '', 'NOT RUN']);
    for (const f of r.figures) {
      const ok = met(f);
      const label = f.kind === 'limit' ? `${f.metric} (machine limit)` : f.metric;
      rows.push([r.scenario, label, formatNumber(f.value, f.unit), formatTarget(f), ok === null ? '' : ok ? 'met' : 'MISSED']);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
