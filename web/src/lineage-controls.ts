// Direction, depth and cluster threshold: each change is a new URL.

import { el } from "./elements";
import type { Direction, ServerLimits } from "./queries";
import type { LineageRoute } from "./route";

const DIRECTIONS: [Direction, string][] = [
  ["UPSTREAM", "Upstream (inputs)"],
  ["DOWNSTREAM", "Downstream (outputs)"],
  ["BOTH", "Both"],
];
const THRESHOLDS = [5, 10, 25, 100, 1000];

function select(
  id: string,
  label: string,
  options: [string, string][],
  value: string,
  onChange: (value: string) => void,
): HTMLElement {
  const element = el(
    "select",
    { id, name: id },
    ...options.map(([optionValue, text]) => el("option", { value: optionValue }, text)),
  );
  element.value = value;
  element.addEventListener("change", () => onChange(element.value));
  return el("div", { class: "control" }, el("label", { for: id }, label), element);
}

/** A choice of numbers, e.g. the depth: the same select, its values read back as numbers. */
function numberSelect(
  id: string,
  label: string,
  numbers: number[],
  value: number,
  onChange: (value: number) => void,
): HTMLElement {
  const options = numbers.map((number): [string, string] => [String(number), String(number)]);
  return select(id, label, options, String(value), (chosen) => onChange(Number(chosen)));
}

export class LineageControls {
  readonly element: HTMLElement;

  /** `route` within `limits` (see withinLimits): the choices offered are the ones the server accepts. */
  constructor(route: LineageRoute, limits: ServerLimits, onChange: (route: LineageRoute) => void) {
    const depths = Array.from({ length: limits.lineageMaxDepth }, (_, index) => index + 1);
    const thresholds = [...new Set([...THRESHOLDS, route.clusterThreshold])]
      .filter((threshold) => threshold <= limits.lineageMaxClusterThreshold)
      .sort((a, b) => a - b);
    this.element = el(
      "form",
      { class: "controls", "aria-label": "Lineage controls" },
      select("direction", "Direction", DIRECTIONS, route.direction, (value) =>
        onChange({ ...route, direction: value as Direction }),
      ),
      numberSelect("depth", "Depth", depths, route.depth, (depth) => onChange({ ...route, depth })),
      numberSelect("cluster", "Group more than", thresholds, route.clusterThreshold, (clusterThreshold) =>
        onChange({ ...route, clusterThreshold }),
      ),
    );
    this.element.addEventListener("submit", (event) => event.preventDefault());
  }
}
