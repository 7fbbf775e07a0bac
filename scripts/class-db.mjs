#!/usr/bin/env node
// The class's PostgreSQL (the DATABASE_URL a hub gives every student: docs/JUPYTERHUB.md), for the
// instructor.
//   npm run class-db -- clean [--url URL]   drop what lesson runs killed outright left there
// Each lesson run on that server works in a schema of its own and drops it at its end; a kernel killed
// with SIGKILL or for lack of memory cannot, and a query of it still running keeps its locks. The next
// run's start drops such schemas anyway; this does it now, and says which runs are in progress.
import { createRequire } from "node:module";
import { Command } from "commander";

const { dropAbandonedRuns } = createRequire(import.meta.url)("race-lab/internal");

const program = new Command().name("class-db").description("The class's PostgreSQL server (DATABASE_URL)").showHelpAfterError();

program
  .command("clean")
  .description(
    "drop the schemas of lesson runs that ended without dropping theirs (their kernel was killed), ending their connections first",
  )
  .option("--url <url>", "the server (default: $DATABASE_URL)")
  .action(async (/** @type {{ url?: string }} */ opts) => {
    const url = opts.url ?? process.env.DATABASE_URL;
    if (!url) throw new Error("--url: name the class's server (postgresql://user:password@host:port/database), or set DATABASE_URL");
    const { dropped, running } = await dropAbandonedRuns(url);
    console.log(dropped.length ? `dropped ${dropped.length} abandoned run(s): ${dropped.join(", ")}` : "no abandoned run");
    console.log(`${running.length} run(s) in progress, left alone${running.length ? `: ${running.join(", ")}` : ""}`);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`class-db: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
