import { once } from 'node:events';
import { Socket } from 'node:net';
import { Client } from 'pg';
import { startTestSmtp } from './smtp';
import { waitFor } from './wait';
import { startTestApp } from './app';
import { RUN_ID } from './run';

const BASE = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The test harness itself: a file whose set-up throws must not leave its database behind. */
describe('test support', () => {
  it('given an app start-up that throws, startTestApp rethrows and drops the database it created', async () => {
    await expect(startTestApp('leakcheck', { NODE_ENV: 'production' })).rejects.toThrow(/SMTP_URL/);
    const pg = new Client({ connectionString: BASE });
    await pg.connect();
    try {
      const { rows } = await pg.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`almanac\\_t\\_leakcheck\\_${RUN_ID}\\_%`]);
      expect(rows).toEqual([]);
    } finally {
      await pg.end();
    }
  });

  it('given a client that resets its connection mid-transaction (a killed service), the SMTP listener records it and the test file goes on', async () => {
    const smtp = await startTestSmtp();
    smtp.rejectRecipient('gone@example.org');
    try {
      const { port } = new URL(smtp.url);
      const socket = new Socket();
      socket.connect(Number(port), '127.0.0.1');
      const replies: string[] = [];
      socket.on('data', (d: Buffer) => replies.push(d.toString()));
      const said = (code: string, n: number) => waitFor(`reply ${code} #${n}`, () => replies.join('').split(code).length - 1 >= n);
      await said('220', 1);
      socket.write('EHLO test\r\n');
      await said('250', 1);
      socket.write('MAIL FROM:<a@example.org>\r\n');
      await said('250', 2);
      socket.write('RCPT TO:<gone@example.org>\r\n');
      await said('550', 1);
      // An RST, not a FIN: what the peer sees when the sending process is killed.
      socket.resetAndDestroy();
      await once(socket, 'close');
      await waitFor('the reset seen by the listener', () => smtp.connectionErrors.length > 0);
      expect(smtp.connectionErrors.join()).toMatch(/ECONNRESET/);
    } finally {
      await smtp.close();
    }
  });
});
