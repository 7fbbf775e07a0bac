import type { LessonAnswers } from "./answers";

const ex1 = (body: string) => `import { solutionCell } from "race-lab/course";
solutionCell("13-ex1");   // lets the check below tell whether this cell compiled

async function renew(c: Client, name: string, owner: string, token: number, ms: number): Promise<boolean> {
${body}
}`;

const ex2 = (body: string) => `import { solutionCell } from "race-lab/course";
solutionCell("13-ex2");   // lets the check below tell whether this cell compiled

async function fencedWrite(c: Client, key: string, value: string, token: number, read: string | null): Promise<boolean> {
${body}
}`;

export default {
  "13-ex1": {
    wrong: [
      {
        name: "no expiry check",
        why: "It renews a lease that has already expired: the holder believes it still holds a lease that anyone may have taken since.",
        code: ex1(`  const { rowCount } = await c.query(
    \`UPDATE leases SET expires_at = clock_timestamp() + $3::int * interval '1 millisecond'
     WHERE name = $1 AND owner = $2 AND token = $4\`,
    [name, owner, ms, token]);
  return rowCount === 1;`),
      },
      {
        name: "the owner but not the token",
        why: "After its lease expired, the same owner may take the lease again under a newer token; a renewal meant for the old grant then extends the new one, and reports success.",
        code: ex1(`  const { rowCount } = await c.query(
    \`UPDATE leases SET expires_at = clock_timestamp() + $3::int * interval '1 millisecond'
     WHERE name = $1 AND owner = $2 AND expires_at > clock_timestamp()\`,
    [name, owner, ms]);
  return rowCount === 1;`),
      },
      {
        name: "the token but not the owner",
        why: "Anyone who knows the token renews the lease: B renews A's lease, and A renews a lease it has given back.",
        code: ex1(`  const { rowCount } = await c.query(
    \`UPDATE leases SET expires_at = clock_timestamp() + $2::int * interval '1 millisecond'
     WHERE name = $1 AND token = $3 AND expires_at > clock_timestamp()\`,
    [name, ms, token]);
  return rowCount === 1;`),
      },
    ],
    right: [
      {
        name: "make_interval, the clock on the left",
        why: "The same conditions, written another way: the interval from make_interval, the expiry compared as clock_timestamp() < expires_at.",
        code: ex1(`  const result = await c.query(
    \`UPDATE leases SET expires_at = clock_timestamp() + make_interval(secs => $4::float8 / 1000)
     WHERE name = $1 AND owner = $2 AND token = $3 AND clock_timestamp() < expires_at RETURNING token\`,
    [name, owner, token, ms]);
  return result.rows.length === 1;`),
      },
      {
        name: "the interval built in TypeScript",
        why: "The interval travels as text ('60000 milliseconds') and PostgreSQL casts it; the conditions are the reference's.",
        code: ex1(`  const { rowCount } = await c.query(
    \`UPDATE leases SET expires_at = clock_timestamp() + $3::interval
     WHERE name = $1 AND owner = $2 AND token = $4 AND expires_at > clock_timestamp()\`,
    [name, owner, \`\${ms} milliseconds\`, token]);
  return rowCount === 1;`),
      },
    ],
  },
  "13-ex2": {
    wrong: [
      {
        name: "no fencing",
        why: "A plain upsert: the paused holder's late write, with its older token, overwrites the newer one.",
        code: ex2(`  const { rowCount } = await c.query(
    \`INSERT INTO kv (key, value, token) VALUES ($1, $2, $3)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, token = excluded.token\`,
    [key, value, token]);
  return rowCount === 1;`),
      },
      {
        name: "fencing on the write only",
        why: "The token orders the writes, not the reads: in order 2 B's token is newer than A's, so B's write, computed from a value A already replaced, is accepted and A's update is lost.",
        code: ex2(`  const { rowCount } = await c.query(
    \`INSERT INTO kv (key, value, token) VALUES ($1, $2, $3)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, token = excluded.token
     WHERE kv.token <= excluded.token\`,
    [key, value, token]);
  return rowCount === 1;`),
      },
      {
        name: "the value read, not the token",
        why: "A compare-and-set on the value alone lets a holder whose lease is two grants old write when the value has come back to what it read (on, off, on): no newer token must have written.",
        code: ex2(`  const { rowCount } = await c.query(
    \`INSERT INTO kv (key, value, token) VALUES ($1, $2, $3)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, token = excluded.token
     WHERE kv.value = $4\`,
    [key, value, token, read]);
  return rowCount === 1;`),
      },
      {
        name: "a strictly newer token",
        why: "kv.token < excluded.token refuses the same lease's second write, which the exercise allows: only a newer token may shut a holder out.",
        code: ex2(`  const { rowCount } = await c.query(
    \`INSERT INTO kv (key, value, token) VALUES ($1, $2, $3)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, token = excluded.token
     WHERE kv.token < excluded.token AND kv.value = $4\`,
    [key, value, token, read]);
  return rowCount === 1;`),
      },
      {
        name: "update only",
        why: "An UPDATE never inserts: the first write of a key the holder read as absent writes nothing.",
        code: ex2(`  const { rowCount } = await c.query(
    "UPDATE kv SET value = $2, token = $3 WHERE key = $1 AND token <= $3 AND value = $4",
    [key, value, token, read]);
  return rowCount === 1;`),
      },
    ],
    right: [
      {
        name: "IS NOT DISTINCT FROM, parameters by number",
        why: "The same conditions with the parameters instead of excluded; IS NOT DISTINCT FROM a null read is false for a key that exists, as = is.",
        code: ex2(`  const { rowCount } = await c.query(
    \`INSERT INTO kv AS old (key, value, token) VALUES ($1, $2, $3)
     ON CONFLICT (key) DO UPDATE SET value = $2, token = $3
     WHERE old.token <= $3 AND old.value IS NOT DISTINCT FROM $4\`,
    [key, value, token, read]);
  return rowCount === 1;`),
      },
    ],
  },
} satisfies LessonAnswers;
