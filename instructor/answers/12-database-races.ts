import type { LessonAnswers } from "./answers";

export default {
  "12-ex1": {
    wrong: [
      {
        name: "check, then withdraw",
        why: "Two statements: both clients read the balance before either withdraws, both pass the check, and both withdraw.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex1");
async function withdraw(c: Client, amount: number): Promise<boolean> {
  const { rows } = await c.query("SELECT balance FROM accounts WHERE id = 'alice'");
  if (rows[0].balance < amount) return false;
  await c.query("UPDATE accounts SET balance = balance - $1 WHERE id = 'alice'", [amount]);
  return true;
}`,
      },
      {
        name: "FOR UPDATE without a transaction",
        why: "Outside BEGIN … COMMIT the locking read is a transaction of its own: the row lock ends when the SELECT returns, before the UPDATE.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex1");
async function withdraw(c: Client, amount: number): Promise<boolean> {
  const { rows } = await c.query("SELECT balance FROM accounts WHERE id = 'alice' FOR UPDATE");
  if (rows[0].balance < amount) return false;
  await c.query("UPDATE accounts SET balance = balance - $1 WHERE id = 'alice'", [amount]);
  return true;
}`,
      },
      {
        name: "guarded UPDATE, answer from the read",
        why: "The balance stays right, but the answer comes from the stale read: both clients say they withdrew, and only one did.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex1");
async function withdraw(c: Client, amount: number): Promise<boolean> {
  const { rows } = await c.query("SELECT balance FROM accounts WHERE id = 'alice'");
  if (rows[0].balance < amount) return false;
  await c.query("UPDATE accounts SET balance = balance - $1 WHERE id = 'alice' AND balance >= $1", [amount]);
  return true;
}`,
      },
      {
        name: "REPEATABLE READ without a retry",
        why: "The second writer of the row fails with 40001 (could not serialize access due to concurrent update), and nothing retries it.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex1");
async function withdraw(c: Client, amount: number): Promise<boolean> {
  await c.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
  try {
    const { rows } = await c.query("SELECT balance FROM accounts WHERE id = 'alice'");
    if (rows[0].balance < amount) {
      await c.query("COMMIT");
      return false;
    }
    await c.query("UPDATE accounts SET balance = balance - $1 WHERE id = 'alice'", [amount]);
    await c.query("COMMIT");
    return true;
  } catch (error) {
    await c.query("ROLLBACK");
    throw error;
  }
}`,
      },
    ],
    right: [
      {
        name: "SELECT … FOR UPDATE in a transaction",
        why: "The row lock taken at the read lasts until COMMIT: the other client's locking read waits, then sees the new balance.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex1");
async function withdraw(c: Client, amount: number): Promise<boolean> {
  await c.query("BEGIN");
  try {
    const { rows } = await c.query("SELECT balance FROM accounts WHERE id = 'alice' FOR UPDATE");
    const enough = rows[0].balance >= amount;
    if (enough) await c.query("UPDATE accounts SET balance = balance - $1 WHERE id = 'alice'", [amount]);
    await c.query("COMMIT");
    return enough;
  } catch (error) {
    await c.query("ROLLBACK");
    throw error;
  }
}`,
      },
      {
        name: "SERIALIZABLE with a retry on 40001",
        why: "Check-then-act inside a SERIALIZABLE transaction: the second writer fails with 40001, and its retry reads the new balance.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex1");
async function withdraw(c: Client, amount: number): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    await c.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
    try {
      const { rows } = await c.query("SELECT balance FROM accounts WHERE id = 'alice'");
      const enough = rows[0].balance >= amount;
      if (enough) await c.query("UPDATE accounts SET balance = balance - $1 WHERE id = 'alice'", [amount]);
      await c.query("COMMIT");
      return enough;
    } catch (error) {
      await c.query("ROLLBACK");
      if ((error as { code?: string }).code !== "40001" || attempt >= 20) throw error;
    }
  }
}`,
      },
      {
        name: "one UPDATE … RETURNING",
        why: "One statement tests and changes the row under its lock; RETURNING gives back the row it changed, or none.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex1");
async function withdraw(c: Client, amount: number): Promise<boolean> {
  const { rows } = await c.query(
    "UPDATE accounts SET balance = balance - $1 WHERE id = 'alice' AND balance - $1 >= 0 RETURNING balance", [amount]);
  return rows.length === 1;
}`,
      },
    ],
  },
  "12-ex2": {
    wrong: [
      {
        name: "SERIALIZABLE without a retry",
        why: "SERIALIZABLE aborts one of the two doctors' transactions with 40001; without a retry that error reaches the caller.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex2");
async function serializable(c: Client, body: (c: Client) => Promise<void>): Promise<void> {
  await c.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
  try {
    await body(c);
    await c.query("COMMIT");
  } catch (error) {
    await c.query("ROLLBACK");
    throw error;
  }
}`,
      },
      {
        name: "REPEATABLE READ with a retry",
        why: "Snapshot isolation allows write skew: both transactions commit, nothing fails, and no doctor is left on call.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex2");
async function serializable(c: Client, body: (c: Client) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await c.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    try {
      await body(c);
      await c.query("COMMIT");
      return;
    } catch (error) {
      await c.query("ROLLBACK");
      if ((error as { code?: string }).code !== "40001" || attempt >= 20) throw error;
    }
  }
}`,
      },
      {
        name: "retries every error",
        why: "A division by zero is no serialization failure: running the body again cannot help, and it runs twenty times before the error is thrown.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex2");
async function serializable(c: Client, body: (c: Client) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await c.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
    try {
      await body(c);
      await c.query("COMMIT");
      return;
    } catch (error) {
      await c.query("ROLLBACK");
      if (attempt >= 20) throw error;
    }
  }
}`,
      },
      {
        name: "no ROLLBACK after a failure",
        why: "A statement that failed leaves its transaction aborted: until a ROLLBACK the connection refuses every statement (25P02).",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex2");
async function serializable(c: Client, body: (c: Client) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await c.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
    try {
      await body(c);
      await c.query("COMMIT");
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "40001" || attempt >= 20) throw error;
    }
  }
}`,
      },
      {
        name: "gives up after 3 attempts",
        why: "A retry that stops long before the 20 attempts the exercise asks for: a busy server's transaction gives up while a retry would still succeed.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex2");
async function serializable(c: Client, body: (c: Client) => Promise<void>, attemptsLeft = 3): Promise<void> {
  await c.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
  try {
    await body(c);
    await c.query("COMMIT");
  } catch (error) {
    await c.query("ROLLBACK");
    if ((error as { code?: string }).code === "40001" && attemptsLeft > 1) return serializable(c, body, attemptsLeft - 1);
    throw error;
  }
}`,
      },
    ],
    right: [
      {
        name: "recursion, SET TRANSACTION",
        why: "The same retry as a recursive call; SET TRANSACTION right after BEGIN chooses the level as BEGIN ISOLATION LEVEL does.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex2");
async function serializable(c: Client, body: (c: Client) => Promise<void>, attemptsLeft = 20): Promise<void> {
  await c.query("BEGIN");
  await c.query("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
  try {
    await body(c);
    await c.query("COMMIT");
  } catch (error) {
    await c.query("ROLLBACK");
    if ((error as { code?: string }).code === "40001" && attemptsLeft > 1) return serializable(c, body, attemptsLeft - 1);
    throw error;
  }
}`,
      },
      {
        name: "a while loop that remembers the last error",
        why: "Counts the attempts in a while loop and throws the last 40001 once they are used up.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("12-ex2");
async function serializable(c: Client, body: (c: Client) => Promise<void>): Promise<void> {
  let last: unknown;
  let attempts = 0;
  while (attempts < 20) {
    attempts++;
    await c.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
    try {
      await body(c);
      await c.query("COMMIT");
      return;
    } catch (error) {
      await c.query("ROLLBACK");
      if ((error as { code?: string }).code !== "40001") throw error;
      last = error;
    }
  }
  throw last;
}`,
      },
    ],
  },
} satisfies LessonAnswers;
