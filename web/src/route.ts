// URL state: what each address shows, and moving between addresses without reloading.

import type { Direction, ServerLimits } from "./queries";

export const DEFAULT_DEPTH = 2;
export const DEFAULT_DIRECTION: Direction = "BOTH";
export const DEFAULT_CLUSTER_THRESHOLD = 5;
const DIRECTIONS: readonly Direction[] = ["UPSTREAM", "DOWNSTREAM", "BOTH"];

export interface LineageRoute {
  page: "lineage";
  ref: string;
  depth: number;
  direction: Direction;
  clusterThreshold: number;
}

export interface CollectionRoute {
  page: "collection";
  collection: string;
  version: string | null;
}

export type Route = { page: "home" } | CollectionRoute | LineageRoute;

function positiveInteger(text: string | null, fallback: number): number {
  if (text === null || !/^\d+$/.test(text)) return fallback;
  return Math.max(1, Number(text));
}

function direction(text: string | null): Direction {
  const upper = (text ?? "").toUpperCase();
  return DIRECTIONS.find((each) => each === upper) ?? DEFAULT_DIRECTION;
}

export function parseRoute(url: URL): Route {
  const params = url.searchParams;
  const ref = params.get("ref");
  if (url.pathname === "/lineage" && ref) {
    return {
      page: "lineage",
      ref,
      depth: positiveInteger(params.get("depth"), DEFAULT_DEPTH),
      direction: direction(params.get("direction")),
      clusterThreshold: positiveInteger(params.get("cluster"), DEFAULT_CLUSTER_THRESHOLD),
    };
  }
  const collection = params.get("collection");
  if (collection) return { page: "collection", collection, version: params.get("version") };
  return { page: "home" };
}

/** The route within the server's limits: a depth or cluster threshold in the URL past its limit asks for the limit. */
export function withinLimits(route: LineageRoute, limits: ServerLimits): LineageRoute {
  return {
    ...route,
    depth: Math.min(route.depth, limits.lineageMaxDepth),
    clusterThreshold: Math.min(route.clusterThreshold, limits.lineageMaxClusterThreshold),
  };
}

// Refs hold only letters, digits, - _ . / and :, which may stay readable in a query string.
function encode(value: string): string {
  return encodeURIComponent(value).replace(/%2F/gi, "/").replace(/%3A/gi, ":");
}

function search(pairs: [string, string | number | null][]): string {
  const kept = pairs.filter((pair): pair is [string, string | number] => pair[1] !== null);
  return kept.map(([key, value]) => `${key}=${encode(String(value))}`).join("&");
}

export function routeUrl(route: Route): string {
  switch (route.page) {
    case "home":
      return "/";
    case "collection":
      return `/?${search([
        ["collection", route.collection],
        ["version", route.version],
      ])}`;
    case "lineage":
      return `/lineage?${search([
        ["ref", route.ref],
        ["depth", route.depth],
        ["direction", route.direction],
        ["cluster", route.clusterThreshold === DEFAULT_CLUSTER_THRESHOLD ? null : route.clusterThreshold],
      ])}`;
  }
}

export function lineageRoute(ref: string, from?: LineageRoute): LineageRoute {
  return {
    page: "lineage",
    ref,
    depth: from?.depth ?? DEFAULT_DEPTH,
    direction: from?.direction ?? DEFAULT_DIRECTION,
    clusterThreshold: from?.clusterThreshold ?? DEFAULT_CLUSTER_THRESHOLD,
  };
}

type Listener = (route: Route) => void;
let listener: Listener = () => undefined;

export function navigate(route: Route): void {
  window.history.pushState(null, "", routeUrl(route));
  listener(route);
}

/** Calls `render` now, after every navigate(), on back/forward, and for clicks on the page's own links. */
export function startRouting(render: Listener): void {
  listener = render;
  window.addEventListener("popstate", () => render(parseRoute(new URL(window.location.href))));
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const link = event.target instanceof Element ? event.target.closest("a") : null;
    if (!link || link.target || link.origin !== window.location.origin) return;
    if (link.pathname !== "/" && link.pathname !== "/lineage") return;
    event.preventDefault();
    window.history.pushState(null, "", link.href);
    render(parseRoute(new URL(link.href)));
  });
  render(parseRoute(new URL(window.location.href)));
}

/** ENTITY/PROJECT/NAME:VERSION split at the colon; null for a run id (no colon). */
export function splitRef(ref: string): { collection: string; version: string } | null {
  const colon = ref.lastIndexOf(":");
  if (colon < 0) return null;
  return { collection: ref.slice(0, colon), version: ref.slice(colon + 1) };
}

export function isRegistryCollection(collection: string): boolean {
  return collection.split("/")[1]?.startsWith("registry-") ?? false;
}
