import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, ping } from './redis-server';
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
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            String(nodeTimeoutMs),
            '--cluster-replica-validity-factor',
            '0',
            '--dir',
            dir,
            '--save',
            '',
            '--appendonly',
            'no',
            '--dbfilename',
            `dump-${port}.rdb`,
          ],
          { stdio: 'ignore' },
        );
        nodes.push({ port, proc });
      }
      for (const n of nodes) await waitFor(`redis on ${n.port}`, () => ping(n.port), 10000, 50);
      await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
      await waitFor(
        'cluster state ok on every node',
        async () => {
          for (const n of nodes) if (!(await cli(n.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
          return true;
        },
        20000,
        100,
      );
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Seed list for REDIS_CLUSTER_NODES (two nodes: a client finds the rest). */
  get seeds(): string {
    return this.nodes
      .slice(0, 2)
      .map((n) => `127.0.0.1:${n.port}`)
      .join(',');
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

  /**
   * Waits until a replica of the master on `port` has every write the master had when asked.
   * Replication is asynchronous: a master killed before its replica caught up loses the writes it
   * acknowledged last (Redis documents this), which a failover test must not mistake for the
   * service losing them.
   */
  async replicated(port: number): Promise<void> {
    const info = async () => {
      const text = await cli(port, 'INFO', 'replication');
      const master = Number(/master_repl_offset:(\d+)/.exec(text)?.[1] ?? NaN);
      const replicas = [...text.matchAll(/slave\d+:.*state=(\w+).*offset=(\d+)/g)].map((m) => ({ state: m[1], offset: Number(m[2]) }));
      return { master, replicas };
    };
    const target = (await info()).master;
    await waitFor(`a replica of ${port} at offset ${target}`, async () => (await info()).replicas.some((r) => r.state === 'online' && r.offset >= target), 20000, 50);
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

/**
 * A real local Sentinel setup: one master, one replica, three sentinels (`redis-server
 * --sentinel`) with a 1 s down-after, so a failover completes within a few seconds.
 */
export class TestRedisSentinel {
  readonly name = 'almanac-master';
  private constructor(
    private readonly dir: string,
    readonly data: ClusterNode[],
    readonly sentinels: ClusterNode[],
  ) {}

  static async start(): Promise<TestRedisSentinel> {
    const dir = mkdtempSync(join(tmpdir(), 'almanac-sentinel-'));
    const s = new TestRedisSentinel(dir, [], []);
    try {
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        const replicaOf = i === 0 ? [] : ['--replicaof', '127.0.0.1', String(s.data[0].port)];
        s.data.push({
          port,
          proc: spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--dbfilename', `dump-${port}.rdb`, ...replicaOf], {
            stdio: 'ignore',
          }),
        });
        await waitFor(`redis on ${port}`, () => ping(port), 10000, 50);
      }
      await waitFor('replica in sync', async () => (await cli(s.data[1].port, 'INFO', 'replication')).includes('master_link_status:up'), 10000, 50);
      for (let i = 0; i < 3; i++) {
        const port = await freePort();
        const conf = join(dir, `sentinel-${port}.conf`);
        writeFileSync(
          conf,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${dir}`,
            `sentinel monitor ${s.name} 127.0.0.1 ${s.data[0].port} 2`,
            `sentinel down-after-milliseconds ${s.name} 1000`,
            `sentinel failover-timeout ${s.name} 3000`,
            `sentinel parallel-syncs ${s.name} 1`,
            '',
          ].join('\n'),
        );
        s.sentinels.push({ port, proc: spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }) });
      }
      for (const n of s.sentinels)
        await waitFor(
          `sentinel on ${n.port} to know the replica`,
          async () =>
            /num-slaves\n1|"num-slaves","1"/.test(await cli(n.port, 'SENTINEL', 'MASTER', s.name).catch(() => '')) ||
            (await cli(n.port, 'SENTINEL', 'REPLICAS', s.name).catch(() => '')).includes(String(s.data[1].port)),
          15000,
          100,
        );
    } catch (err) {
      await s.stop();
      throw err;
    }
    return s;
  }

  get list(): string {
    return this.sentinels.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  /** The master's port, as the sentinels report it. */
  async master(): Promise<number> {
    const alive = this.sentinels.find((n) => n.proc.exitCode === null)!;
    const out = await cli(alive.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name);
    return Number(out.split('\n')[1]);
  }

  async kill(port: number): Promise<void> {
    const n = [...this.data, ...this.sentinels].find((x) => x.port === port)!;
    if (n.proc.exitCode !== null || n.proc.signalCode !== null) return;
    const exited = new Promise((r) => n.proc.once('exit', r));
    n.proc.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    for (const n of [...this.sentinels, ...this.data]) await this.kill(n.port);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
