// Direction, depth and cluster threshold: each change is a new URL.

import { el } from "./elements";
import type { Direction } from "./queries";
import { MAX_DEPTH, type LineageRoute } from "./route";

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

export class LineageControls {
  readonly element: HTMLElement;

  constructor(route: LineageRoute, onChange: (route: LineageRoute) => void) {
    const depths = Array.from({ length: MAX_DEPTH }, (_, index) => String(index + 1));
    const thresholds = [...new Set([...THRESHOLDS, route.clusterThreshold])].sort((a, b) => a - b).map(String);
    this.element = el(
      "form",
      { class: "controls", "aria-label": "Lineage controls" },
      select("direction", "Direction", DIRECTIONS, route.direction, (value) =>
        onChange({ ...route, direction: value as Direction }),
      ),
      select(
        "depth",
        "Depth",
        depths.map((depth) => [depth, depth]),
        String(route.depth),
        (value) => onChange({ ...route, depth: Number(value) }),
      ),
      select(
        "cluster",
        "Group more than",
        thresholds.map((count) => [count, count]),
        String(route.clusterThreshold),
        (value) => onChange({ ...route, clusterThreshold: Number(value) }),
      ),
    );
    this.element.addEventListener("submit", (event) => event.preventDefault());
  }
}
