import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** PostgreSQL refuses to run as root: as root, run its tools as the `postgres` user. */
function pg(tool: string, args: string[]) {
  const cmd = join(BIN, tool);
  return process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
}

/**
 * A private PostgreSQL primary and a streaming replica of it (`pg_basebackup -R`) in a temp dir
 * on free ports, so a test can use replication without touching the shared server's settings.
 */
export class TestReplicaPair {
  private constructor(
    private readonly dir: string,
    readonly primaryPort: number,
    readonly replicaPort: number,
  ) {}

  static async start(): Promise<TestReplicaPair> {
    const dir = mkdtempSync(join(tmpdir(), 'almanac-replica-'));
    if (process.getuid?.() === 0) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), Number((await run('id', ['-g', 'postgres'])).stdout.trim()));
    const pair = new TestReplicaPair(dir, await freePort(), await freePort());
    try {
      await pg('initdb', ['-D', join(dir, 'primary'), '-U', 'postgres', '--auth=trust', '--no-sync']);
      await pair.ctl('primary', pair.primaryPort, 'start');
      await pg('pg_basebackup', ['-h', '127.0.0.1', '-p', String(pair.primaryPort), '-U', 'postgres', '-D', join(dir, 'replica'), '-R', '-X', 'stream', '--no-sync']);
      await pair.ctl('replica', pair.replicaPort, 'start');
    } catch (err) {
      await pair.stop();
      throw err;
    }
    return pair;
  }

  private ctl(name: string, port: number, action: 'start' | 'stop') {
    const data = join(this.dir, name);
    if (action === 'stop') return pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    const opts = `-p ${port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c wal_level=replica -c max_wal_senders=5 -c fsync=off -c hot_standby=on`;
    return pg('pg_ctl', ['-D', data, '-o', opts, '-l', join(this.dir, `${name}.log`), '-w', '-t', '30', 'start']);
  }

  url(which: 'primary' | 'replica', database: string): string {
    return `postgres://postgres@127.0.0.1:${which === 'primary' ? this.primaryPort : this.replicaPort}/${database}`;
  }

  async stop(): Promise<void> {
    await this.ctl('replica', this.replicaPort, 'stop').catch(() => undefined);
    await this.ctl('primary', this.primaryPort, 'stop').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
