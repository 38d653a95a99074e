import type { Client } from 'pg';

/** What a role may do to `events` beyond INSERT and SELECT; empty for the service's runtime role. */
export async function eventPowers(c: Client): Promise<string[]> {
  const { rows } = await c.query<Record<string, boolean>>(
    `SELECT r.rolsuper AS superuser,
            pg_has_role(current_user, t.relowner, 'USAGE') AS owner,
            has_table_privilege('events', 'UPDATE') AS "UPDATE",
            has_table_privilege('events', 'DELETE') AS "DELETE",
            has_table_privilege('events', 'TRUNCATE') AS "TRUNCATE",
            has_table_privilege('events', 'TRIGGER') AS "TRIGGER",
            has_table_privilege('events', 'REFERENCES') AS "REFERENCES"
       FROM pg_roles r, pg_class t
      WHERE r.rolname = current_user AND t.oid = 'events'::regclass`,
  );
  const r = rows[0];
  if (!r) return ['unknown role'];
  return Object.entries(r)
    .filter(([, v]) => v)
    .map(([k]) => (k === 'superuser' ? 'is a superuser' : k === 'owner' ? 'owns the table (ALTER, DISABLE TRIGGER)' : k));
}

/**
 * Run by the owner after migrations: `role` may read and append to the log and nothing more
 * (no UPDATE, DELETE, TRUNCATE, trigger control or ownership of `events`), and owns every
 * other table (projections rebuild into fresh tables and swap them in).
 */
export async function grantRuntimeRole(c: Client, role: string): Promise<void> {
  const r = quoteIdent(role);
  const db = (await c.query<{ d: string }>('SELECT current_database() AS d')).rows[0].d;
  await c.query(`GRANT CONNECT, TEMPORARY, CREATE ON DATABASE ${quoteIdent(db)} TO ${r}`);
  await c.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${r}`);
  // Tables, views and free-standing sequences; a table's own sequences follow their table.
  const owned = (
    await c.query<{ name: string; kind: string; owner: string }>(
      `SELECT c.relname AS name, c.relkind AS kind, pg_get_userbyid(c.relowner) AS owner
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
        ORDER BY c.relname`,
    )
  ).rows;
  const kinds: Record<string, string> = { r: 'TABLE', p: 'TABLE', v: 'VIEW', m: 'MATERIALIZED VIEW', S: 'SEQUENCE' };
  for (const t of owned) {
    if (t.name === 'events' || t.name === 'schema_migrations' || t.owner === role) continue;
    await c.query(`ALTER ${kinds[t.kind]} ${quoteIdent(t.name)} OWNER TO ${r}`);
  }
  await c.query(`REVOKE ALL ON events FROM ${r}`);
  await c.query(`GRANT SELECT, INSERT ON events TO ${r}`);
  await c.query(`REVOKE ALL ON schema_migrations FROM ${r}`);
  await c.query(`GRANT SELECT ON schema_migrations TO ${r}`);
  // The identity of events.position needs no grant; the others' sequences went with their tables.
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
