"""Lesson 12, Python port: the lost update in PostgreSQL, from two Python threads.

Each thread has its own psycopg connection (its own server process) and deposits 1 five times:
read the balance, add 1 in Python, write it back, commit -- at READ COMMITTED, the default.
Three versions, as in the TypeScript lesson:
- both read first: a threading.Barrier between each read and its write makes both threads read
  before either writes, so every round loses one of its two deposits -- by construction;
- as they come: no barrier, so deposits are lost only when two happen to overlap (how often
  depends on the machine and its load: the output measures it);
- the fix does the arithmetic in the database: UPDATE ... SET balance = balance + 1.
The race is the database's, not the language's.

Run:  python3 python/12_database_races.py --url postgresql://… --schema NAME [--json] [--trials 5]
Needs psycopg 3 (pip install "psycopg[binary]"); exits with status 3 when it is missing.
Works in a table of the given schema (which the lesson made, and drops at its end).
"""

import argparse
import json
import sys
import threading

try:
    import psycopg
    from psycopg import sql
except ImportError:
    print("psycopg is not installed: pip install 'psycopg[binary]'", file=sys.stderr)
    sys.exit(3)

DEPOSITS = 5


def deposit_read_write(conn, both_read=None):
    with conn.transaction():
        balance = conn.execute("SELECT balance FROM py_accounts WHERE id = 'alice'").fetchone()[0]
        if both_read is not None:
            # A plain SELECT takes no row lock, so the other thread's read never waits for ours:
            # the barrier opens as soon as both have read (BrokenBarrierError after its timeout).
            both_read.wait()
        conn.execute("UPDATE py_accounts SET balance = %s WHERE id = 'alice'", (balance + 1,))


def deposit_atomic(conn, both_read=None):
    with conn.transaction():
        conn.execute("UPDATE py_accounts SET balance = balance + 1 WHERE id = 'alice'")


def trial(url, schema, deposit, forced):
    options = f"-c search_path={schema}"
    with psycopg.connect(url, options=options, autocommit=True) as admin:
        admin.execute("DROP TABLE IF EXISTS py_accounts")
        admin.execute("CREATE TABLE py_accounts (id text PRIMARY KEY, balance int NOT NULL)")
        admin.execute("INSERT INTO py_accounts VALUES ('alice', 0)")
        conns = [psycopg.connect(url, options=options, autocommit=True) for _ in range(2)]
        start = threading.Barrier(2, timeout=30)
        both_read = threading.Barrier(2, timeout=5) if forced else None

        def client(conn):
            start.wait()  # both threads begin together
            for _ in range(DEPOSITS):
                deposit(conn, both_read)

        threads = [threading.Thread(target=client, args=(c,)) for c in conns]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for c in conns:
            c.close()
        balance = admin.execute("SELECT balance FROM py_accounts").fetchone()[0]
        admin.execute("DROP TABLE py_accounts")
        return balance


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.schema.isidentifier():
        parser.error("--schema must be a plain identifier")
    rows = []
    versions = (
        ("read, add, write back: both read first", deposit_read_write, True),
        ("read, add, write back: as they come", deposit_read_write, False),
        ("atomic UPDATE", deposit_atomic, False),
    )
    expected = 2 * DEPOSITS
    for name, deposit, forced in versions:
        balances = [trial(args.url, args.schema, deposit, forced) for _ in range(args.trials)]
        lost = sum(expected - b for b in balances) / (expected * len(balances))
        rows.append({"deposit": name, "expected": expected, "balances": " ".join(map(str, balances)),
                     "trials with lost deposits": sum(b != expected for b in balances),
                     "deposits lost": f"{round(lost * 100)}%"})
    if args.json:
        print(json.dumps({"rows": rows}))
    else:
        for r in rows:
            print(r)


if __name__ == "__main__":
    main()
