// Types for scripts/nbgrader.mjs, so the unit tests (TypeScript) can call it type-checked.

export interface Cell {
  cell_type: string;
  id?: string;
  metadata: Record<string, any>;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
}
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, any>;
  nbformat: number;
  nbformat_minor: number;
}
export interface Source {
  name: string;
  file: string;
  nb: Notebook;
}
export interface Assembled {
  cells: { cell: Cell; role: "test" | "solution" | "locked" | "student"; gradeId: string | null; points: number }[];
  notes: string[];
}

export class NotebookError extends Error {}
export function cellText(cell: Cell): string;
export function sourceLines(text: string): string[];
export function nbgraderOf(cell: Cell): Record<string, any> | null;
export function roleOf(cell: Cell): "test" | "solution" | "locked" | null;
/** The course's source notebooks folder (solutions and hidden tests in). */
export const COURSE_SOURCE: string;
export function readNotebook(file: string): Notebook;
export function enclosingFunctionName(lines: string[], at: number): string | null;
export function stubSolutions(text: string, where?: string): { text: string; found: number };
export function removeHiddenTests(text: string, where?: string): string;
export function releaseCell(cell: Cell, notImplementedInScope: boolean, where: string): Cell;
export function releaseNotebook(nb: Notebook, name?: string): Notebook;
export function leaks(nb: Notebook): string[];
export function testCells(nb: Notebook): { gradeId: string; points: number }[];
export function loadSources(folder: string): Source[];
export function matchSource(submission: Notebook, sources: Source[], file: string): Source;
export function assemble(source: Source, submission: Notebook): Assembled;
