// The API reports of race-lab's public entries (api/<entry>.api.md), written by API Extractor from
// declarations compiled fresh from src/ (never src/dist, which a running kernel may be using).
//   node scripts/api-report.mjs          writes the reports (after a change to the surface: commit them)
//   node scripts/api-report.mjs --check  fails when a report differs from the surface (npm test runs it)
// race-lab/internal has no report: it is the whole library, with no promise of stability.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { Extractor, ExtractorConfig, ExtractorLogLevel } from "@microsoft/api-extractor";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SRC = path.join(ROOT, "src");
const REPORTS = path.join(ROOT, "api");

/**
 * The public entries: src/package.json's exports but internal (and package.json itself), as
 * { specifier: "race-lab/course", file: "course" } (the entry file's name without extension).
 * @returns {{ specifier: string; file: string }[]}
 */
export function publicEntries() {
  /** @type {{ exports: Record<string, string | { types: string }> }} */
  const pkg = JSON.parse(readFileSync(path.join(SRC, "package.json"), "utf8"));
  return Object.entries(pkg.exports)
    .filter(([subpath]) => subpath !== "./package.json" && subpath !== "./internal")
    .map(([subpath, target]) => ({
      specifier: subpath === "." ? "race-lab" : `race-lab/${subpath.slice(2)}`,
      file: path.basename(/** @type {{ types: string }} */ (target).types, ".d.ts"),
    }));
}

/**
 * Compiles src/'s declarations (only) into `outDir`, with src/tsconfig.json's options.
 * @param {string} outDir
 */
function emitDeclarations(outDir) {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(SRC, "tsconfig.json"),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  if (!parsed) throw new Error("src/tsconfig.json could not be read");
  const program = ts.createProgram(parsed.fileNames, {
    ...parsed.options,
    outDir,
    declaration: true,
    emitDeclarationOnly: true,
    noEmit: false,
  });
  const { diagnostics } = program.emit();
  const errors = [...ts.getPreEmitDiagnostics(program), ...diagnostics].filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0)
    throw new Error(
      ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" }),
    );
}

/**
 * API Extractor's settings for one entry: the report only (no doc model, no rollup). Types a public
 * name uses but its entry does not export (RunOptions' kin) are written into the report too, so that
 * a change to them is a change of the surface.
 * @param {{ specifier: string; file: string }} entry
 * @param {string} declarations the folder emitDeclarations wrote
 * @param {string} reports the folder of the committed reports
 */
function extractorConfig(entry, declarations, reports) {
  const entryFile = path.join(declarations, `${entry.file}.d.ts`);
  return ExtractorConfig.prepare({
    configObjectFullPath: undefined,
    packageJsonFullPath: path.join(SRC, "package.json"),
    configObject: {
      projectFolder: SRC,
      mainEntryPointFilePath: entryFile,
      newlineKind: "lf",
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: "es2022",
            module: "commonjs",
            moduleResolution: "node",
            lib: ["es2022"],
            types: ["node"],
            strict: true,
            skipLibCheck: true,
            experimentalDecorators: true,
            esModuleInterop: true,
          },
          files: [entryFile],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: entry.specifier.replace("/", "-"),
        reportFolder: reports,
        reportTempFolder: path.join(declarations, "reports"),
        includeForgottenExports: true,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.Warning },
          // Release tags (@public, @beta) are not used: an entry's names are its surface.
          "ae-missing-release-tag": { logLevel: ExtractorLogLevel.None },
          // Written into the report by includeForgottenExports: not a fault of the entry.
          "ae-forgotten-export": { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
          // The report is about the surface. Documentation is test/library/tsdoc.test.ts's: every export
          // has TSDoc (fields need none), and a {@link} may name a method or an internal helper.
          "ae-undocumented": { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
          "ae-unresolved-link": { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
        },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
      },
    },
  });
}

/** @type {Set<string>} */
const QUIET = new Set([
  "console-preamble",
  "console-compiler-version-notice",
  "console-api-report-not-copied",
  "console-api-report-copied",
  "console-api-report-created",
]);

/**
 * Writes (or, with `check`, compares) the report of every public entry. Returns the reports that
 * differ from the surface (with `check`) or that changed (without).
 * @param {{ check: boolean; reports?: string; log?: (line: string) => void }} options `reports`: the
 *   folder of the reports (api/ unless a test says otherwise)
 * @returns {string[]}
 */
export function apiReports({ check, reports = REPORTS, log = console.log }) {
  const work = path.join(ROOT, "test-artifacts", `api-report-${process.pid}`);
  mkdirSync(work, { recursive: true });
  mkdirSync(reports, { recursive: true });
  try {
    emitDeclarations(work);
    /** @type {string[]} */
    const changed = [];
    for (const entry of publicEntries()) {
      const config = extractorConfig(entry, work, reports);
      const result = Extractor.invoke(config, {
        localBuild: !check,
        printApiReportDiff: check,
        messageCallback: (message) => {
          // Said once below, in our words: a report that changed (API Extractor's advice is to copy
          // files) and its compiler's version (newer than ours; it only reads the declarations).
          if (QUIET.has(message.messageId)) message.handled = true;
        },
      });
      if (result.apiReportChanged) changed.push(path.basename(config.reportFilePath));
      if (result.errorCount > 0 || (check && !result.succeeded && !result.apiReportChanged)) {
        throw new Error(
          `API Extractor failed on ${entry.specifier} (${result.errorCount} errors, ${result.warningCount} warnings; see above)`,
        );
      }
      log(
        `${entry.specifier}: ${path.relative(ROOT, config.reportFilePath)} ${result.apiReportChanged ? (check ? "DIFFERS from the surface" : "updated") : "matches"}`,
      );
    }
    return changed;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  try {
    const changed = apiReports({ check });
    if (check && changed.length > 0) {
      console.error(`The public surface of race-lab changed without its report: ${changed.map((f) => `api/${f}`).join(", ")}.`);
      console.error("If the change is meant, run `npm run api:report`, look at the diff of api/ and commit it with the change.");
      process.exitCode = 1;
    }
  } catch (error) {
    console.error(/** @type {Error} */ (error).message);
    process.exitCode = 1;
  }
}
