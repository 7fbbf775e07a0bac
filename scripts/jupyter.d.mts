// Types for scripts/jupyter.mjs, so the unit tests (TypeScript) can call it type-checked.

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
}
export interface JupyterInfo {
  path: string;
  source: "PATH" | "venv" | "system";
  lab: string | null;
  notebook: string | null;
  python: string | null;
  nbclient: boolean;
}
export type InstallStep = "apt" | "venv";
export type KernelWhere = "user" | "sys-prefix" | { prefix: string };
type Log = (line: string) => void;

export const ROOT: string;
export const VENV: string;
export const TSLAB_BIN: string;
export const KERNEL_NAME: string;
export const DEBIAN_PACKAGES: string[];
export const NO_JUPYTER_HELP: string;
export function kernelSpec(): KernelSpec;
export function probe(cmd: string, args: string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): { ok: boolean; status: number | null; stdout: string; stderr: string };
export function onPath(name: string, envPath?: string): string | null;
export function hasNbclient(python: string | null): boolean;
export function inspectJupyter(jupyterPath: string | null, source: JupyterInfo["source"]): JupyterInfo | null;
export function isDebianLike(osRelease?: Record<string, string>): boolean;
export function installPlan(facts: { debianLike: boolean; root: boolean; hasApt: boolean; hasPython: boolean; ci: boolean }): InstallStep[];
export function ensureJupyter(opts?: { ci?: boolean; log?: Log }): JupyterInfo;
export function resolvedKernel(jupyterPath: string, env?: NodeJS.ProcessEnv): { dir: string; spec: KernelSpec } | null;
export function registerKernel(jupyterPath: string, opts?: { where?: KernelWhere; log?: Log; env?: NodeJS.ProcessEnv }): { changed: boolean; dir: string };
export function defaultWhere(info: JupyterInfo): KernelWhere;
export function findHarnessPython(): string | null;
