// PostgreSQL for the database lessons: the kernel's database (a server of its own, or DATABASE_URL
// with a schema per run), connections for workers, and a server lifecycle that leaves nothing behind.
export * from "./binaries";
export * from "./embedded-server";
export * from "./connect";
export * from "./run-schema";
export * from "./database";
export * from "./pause";
