import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Pool } from 'pg';

/**
 * CPU seconds spent by processes, from /proc (Linux). Wall-clock figures move with whatever else
 * the machine is doing; CPU time per request says where the work is, even on a busy machine.
 */
let ticksPerSecond: number | null = null;
function hz(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds of one process so far; 0 when it is gone or /proc is missing. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / hz();
  } catch {
    return 0;
  }
}

/** Backends connected to the bench database, summed (the server's background writers are not included). */
export async function postgresCpuSeconds(pool: Pool): Promise<number> {
  const pids = (await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows;
  return pids.reduce((s, r) => s + cpuSeconds(r.pid), 0);
}

export interface CpuMeter {
  /** CPU milliseconds per operation, by process, since the meter started. */
  perOperation(operations: number): Promise<Record<string, number>>;
}

/** Starts counting CPU of the given processes and of the database's backends. */
export async function cpuMeter(processes: Record<string, number | undefined>, pool: Pool): Promise<CpuMeter> {
  const start = Object.fromEntries(Object.entries(processes).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const pids = new Set((await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => r.pid));
  const pgStart = new Map([...pids].map((p) => [p, cpuSeconds(p)]));
  return {
    async perOperation(operations: number) {
      const out: Record<string, number> = {};
      for (const [k, pid] of Object.entries(processes)) out[k] = round3(((cpuSeconds(pid) - start[k]) * 1000) / operations);
      // Backends that connected since the start count from zero.
      const now = (await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => r.pid);
      const pg = now.reduce((s, p) => s + cpuSeconds(p) - (pgStart.get(p) ?? 0), 0);
      out.postgres = round3((pg * 1000) / operations);
      return out;
    },
  };
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;
