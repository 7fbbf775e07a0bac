import { renderVegaLite } from "./chart";

/**
 * Starts loading vega and vega-lite, by drawing one tiny chart, in the background: the first chart of
 * a lesson then finds them ready instead of waiting about a second for them. The load runs while the
 * kernel waits anyway (between cells, or for a demo's threads or processes). A load that fails is
 * forgotten here: the first real chart reports it.
 *
 * @internal
 * @example
 * ```ts
 * preloadCharts(); // called by setLesson(), at the start of every lesson
 * ```
 */
export function preloadCharts(): void {
  renderVegaLite({ data: { values: [{ x: 1 }] }, mark: "bar", encoding: { x: { field: "x", type: "quantitative" } } }).then(
    () => undefined,
    () => undefined,
  );
}
