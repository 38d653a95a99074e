import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { freePort } from './redis-server';
import { waitFor } from './wait';

const run = promisify(execFile);

interface ClusterNode {
  port: number;
  proc: ChildProcess;
}

/**
 * A real local Redis Cluster: 3 masters and 3 replicas in a temp dir, on free ports, with a
 * short node timeout so a replica takes over within a couple of seconds of a master's death.
 */
export class TestRedisCluster {
  private constructor(
    private readonly dir: string,
    readonly nodes: ClusterNode[],
  ) {}

  static async start(nodeTimeoutMs = 1000): Promise<TestRedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'almanac-cluster-'));
    const nodes: ClusterNode[] = [];
    const cluster = new TestRedisCluster(dir, nodes);
    try {
      for (let i = 0; i < 6; i++) {
        const port = await freePort();
        const proc = spawn(
          'redis-server',
          ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', String(nodeTimeoutMs), '--dir', dir, '--save', '', '--appendonly', 'no', '--dbfilename', `dump-${port}.rdb`],
          { stdio: 'ignore' },
        );
        nodes.push({ port, proc });
      }
      for (const n of nodes) await waitFor(`redis on ${n.port}`, () => ping(n.port), 10000, 50);
      await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
      await waitFor('cluster state ok on every node', async () => {
        for (const n of nodes) if (!(await cli(n.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
        return true;
      }, 20000, 100);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Seed list for REDIS_CLUSTER_NODES (two nodes: a client finds the rest). */
  get seeds(): string {
    return this.nodes.slice(0, 2).map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  /** The master currently serving the slot of `key`, as the live nodes see it. */
  async masterOf(key: string): Promise<number> {
    const alive = this.nodes.find((n) => n.proc.exitCode === null && n.proc.signalCode === null)!;
    const slot = Number(await cli(alive.port, 'CLUSTER', 'KEYSLOT', key));
    const slots = JSON.parse(await cli(alive.port, '--json', 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    const owner = slots.find(([from, to]) => slot >= from && slot <= to);
    if (!owner) throw new Error(`no owner of slot ${slot}`);
    return owner[2][1];
  }

  async kill(port: number): Promise<void> {
    const n = this.nodes.find((x) => x.port === port)!;
    if (n.proc.exitCode !== null || n.proc.signalCode !== null) return;
    const exited = new Promise((r) => n.proc.once('exit', r));
    n.proc.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) await this.kill(n.port);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args]);
  return stdout.trim();
}

async function ping(port: number): Promise<boolean> {
  const c = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } finally {
    c.disconnect();
  }
}
