// Types for test/binder/check-postbuild.mjs, so postbuild.test.ts calls it type-checked.

export const ROOT: string;
export interface PostBuildSummary {
  /** the environment's prefix (the temporary virtual environment standing in for Binder's conda env) */
  prefix: string;
  /** the kernelspec folder Jupyter resolved for "tslab" */
  kernel: string;
  /** the tslab binary the kernel runs (the clone's own) */
  tslab: string;
  /** whether the image's notebooks/ holds the student versions (the welcome notebook, no solution markers in any) */
  studentNotebooks: boolean;
}
export function checkPostBuild(options?: { postBuild?: string; keep?: boolean; log?: (line: string) => void }): PostBuildSummary;
