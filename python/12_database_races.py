"""Lesson 12, Python port: the lost update in PostgreSQL, from two Python threads.

Each thread has its own psycopg connection (its own server process) and deposits 1 five times:
read the balance, add 1 in Python, write it back, commit -- at READ COMMITTED, the default.
Deposits are lost, as in the TypeScript lesson: the race is the database's, not the language's.
The fixed version does the arithmetic in the database: UPDATE ... SET balance = balance + 1.

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


def deposit_read_write(conn):
    with conn.transaction():
        balance = conn.execute("SELECT balance FROM py_accounts WHERE id = 'alice'").fetchone()[0]
        conn.execute("UPDATE py_accounts SET balance = %s WHERE id = 'alice'", (balance + 1,))


def deposit_atomic(conn):
    with conn.transaction():
        conn.execute("UPDATE py_accounts SET balance = balance + 1 WHERE id = 'alice'")


def trial(url, schema, deposit):
    options = f"-c search_path={schema}"
    with psycopg.connect(url, options=options, autocommit=True) as admin:
        admin.execute("DROP TABLE IF EXISTS py_accounts")
        admin.execute("CREATE TABLE py_accounts (id text PRIMARY KEY, balance int NOT NULL)")
        admin.execute("INSERT INTO py_accounts VALUES ('alice', 0)")
        conns = [psycopg.connect(url, options=options, autocommit=True) for _ in range(2)]
        start = threading.Barrier(2)

        def client(conn):
            start.wait()  # both threads begin together
            for _ in range(DEPOSITS):
                deposit(conn)

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
    for name, deposit in (("read, add, write back", deposit_read_write), ("atomic UPDATE", deposit_atomic)):
        balances = [trial(args.url, args.schema, deposit) for _ in range(args.trials)]
        rows.append({"deposit": name, "expected": 2 * DEPOSITS, "balances": " ".join(map(str, balances)),
                     "trials with lost deposits": sum(b != 2 * DEPOSITS for b in balances)})
    if args.json:
        print(json.dumps({"rows": rows}))
    else:
        for r in rows:
            print(r)


if __name__ == "__main__":
    main()
