// The drawn graph as a standalone SVG document, built from Cytoscape's positions and computed styles
// (cytoscape-svg, the plugin for this, is GPL-3.0; the page keeps to permissive licences).

import type { Core, EdgeSingular, NodeSingular, Position } from "cytoscape";

const PADDING = 20;
const CUT = 8;

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}="${escape(String(value))}"`)
    .join(" ");
}

function dashes(style: string): string | null {
  if (style === "dotted") return "2 2";
  if (style === "dashed") return "6 3";
  return null;
}

function nodeShape(node: NodeSingular): string {
  const { x, y } = node.position();
  const width = node.width();
  const height = node.height();
  const [left, top, right, bottom] = [x - width / 2, y - height / 2, x + width / 2, y + height / 2];
  const paint: Record<string, string | number> = {
    fill: node.style("background-color"),
    stroke: node.style("border-color"),
    "stroke-width": parseFloat(node.style("border-width")),
  };
  const dash = dashes(node.style("border-style"));
  if (dash) paint["stroke-dasharray"] = dash;
  if (node.style("shape") === "cut-rectangle") {
    const points = [
      [left + CUT, top],
      [right - CUT, top],
      [right, top + CUT],
      [right, bottom - CUT],
      [right - CUT, bottom],
      [left + CUT, bottom],
      [left, bottom - CUT],
      [left, top + CUT],
    ];
    return `<polygon ${attributes({ points: points.map((point) => point.join(",")).join(" "), ...paint })}/>`;
  }
  return `<rect ${attributes({ x: left, y: top, width, height, rx: 6, ...paint })}/>`;
}

function nodeLabel(node: NodeSingular): string {
  const lines = String(node.data("label") ?? "").split("\n");
  const { x, y } = node.position();
  const size = parseFloat(node.style("font-size"));
  const first = y - ((lines.length - 1) * size * 1.2) / 2;
  const spans = lines
    .map((line, index) => `<tspan ${attributes({ x, y: first + index * size * 1.2 })}>${escape(line)}</tspan>`)
    .join("");
  const weight = node.style("font-weight");
  return `<text ${attributes({ "text-anchor": "middle", "dominant-baseline": "central", "font-size": size, "font-weight": weight, fill: node.style("color") })}>${spans}</text>`;
}

function edgePath(edge: EdgeSingular): string {
  const bends: Position[] = edge.segmentPoints() ?? [];
  const points = [edge.sourceEndpoint(), ...bends, edge.targetEndpoint()];
  const d = points.map((point, index) => `${index === 0 ? "M" : "L"}${point.x},${point.y}`).join(" ");
  const colour = edge.style("line-color");
  return `<path ${attributes({ class: "edge", d, fill: "none", stroke: colour, "stroke-width": parseFloat(edge.style("width")), "marker-end": `url(#arrow-${colour.replace(/[^a-z0-9]/gi, "")})` })}/>`;
}

function arrowMarker(colour: string): string {
  const id = `arrow-${colour.replace(/[^a-z0-9]/gi, "")}`;
  return `<marker ${attributes({ id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" })}><path d="M0,0 L10,5 L0,10 z" fill="${escape(colour)}"/></marker>`;
}

/** Every node and edge as laid out now, in graph coordinates: the whole graph, whatever is in view. */
export function graphSvg(cy: Core): string {
  const box = cy.elements().boundingBox({});
  const width = Math.ceil(box.w + 2 * PADDING);
  const height = Math.ceil(box.h + 2 * PADDING);
  const colours = [...new Set(cy.edges().map((edge) => edge.style("line-color")))];
  const parts = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" ${attributes({ width, height, viewBox: `${box.x1 - PADDING} ${box.y1 - PADDING} ${width} ${height}`, "font-family": "system-ui, sans-serif" })}>`,
    `<defs>${colours.map(arrowMarker).join("")}</defs>`,
    `<rect ${attributes({ x: box.x1 - PADDING, y: box.y1 - PADDING, width, height, fill: "#ffffff" })}/>`,
    `<g class="edges">${cy.edges().map(edgePath).join("")}</g>`,
    `<g class="nodes">${cy
      .nodes()
      .map((node) => `<g ${attributes({ "data-id": node.id() })}>${nodeShape(node)}${nodeLabel(node)}</g>`)
      .join("")}</g>`,
    `</svg>`,
  ];
  return parts.join("\n");
}
