// URL state: what each address shows, and moving between addresses without reloading.

import type { Direction, ServerLimits } from "./queries";

export const DEFAULT_DEPTH = 2;
export const DEFAULT_DIRECTION: Direction = "BOTH";
export const DEFAULT_CLUSTER_THRESHOLD = 5;
const DIRECTIONS: readonly Direction[] = ["UPSTREAM", "DOWNSTREAM", "BOTH"];

/** A node's neighbours on one side, grown into the view in place: one more level around `ref`. */
export interface Expansion {
  ref: string;
  direction: "UPSTREAM" | "DOWNSTREAM";
}

export interface LineageRoute {
  page: "lineage";
  ref: string;
  depth: number;
  direction: Direction;
  clusterThreshold: number;
  /** In the order they were made; `up=REF` and `down=REF` in the URL. */
  expansions: Expansion[];
  /** What the URL asked for that the page could not use, said to the user; never part of the URL. */
  notices: string[];
}

export interface CollectionRoute {
  page: "collection";
  collection: string;
  version: string | null;
}

export type Route = { page: "home" } | CollectionRoute | LineageRoute;

/** The URL's number, or the default with a notice when it is not a whole number of at least 1. */
function positiveInteger(name: string, text: string | null, fallback: number, notices: string[]): number {
  if (text === null) return fallback;
  if (/^\d+$/.test(text) && Number(text) >= 1) return Number(text);
  notices.push(`${name}=${text} is not a whole number of at least 1: showing ${name} ${fallback}.`);
  return fallback;
}

function direction(text: string | null, notices: string[]): Direction {
  if (text === null) return DEFAULT_DIRECTION;
  const upper = text.toUpperCase();
  const found = DIRECTIONS.find((each) => each === upper);
  if (!found) notices.push(`direction=${text} is not one of ${DIRECTIONS.join(", ")}: showing ${DEFAULT_DIRECTION}.`);
  return found ?? DEFAULT_DIRECTION;
}

function expansions(params: URLSearchParams): Expansion[] {
  const found: Expansion[] = [];
  for (const [key, value] of params) {
    if (!value) continue;
    if (key === "up") found.push({ ref: value, direction: "UPSTREAM" });
    if (key === "down") found.push({ ref: value, direction: "DOWNSTREAM" });
  }
  return found;
}

export function parseRoute(url: URL): Route {
  const params = url.searchParams;
  const ref = params.get("ref");
  if (url.pathname === "/lineage" && ref) {
    const notices: string[] = [];
    return {
      page: "lineage",
      ref,
      depth: positiveInteger("depth", params.get("depth"), DEFAULT_DEPTH, notices),
      direction: direction(params.get("direction"), notices),
      clusterThreshold: positiveInteger("cluster", params.get("cluster"), DEFAULT_CLUSTER_THRESHOLD, notices),
      expansions: expansions(params),
      notices,
    };
  }
  const collection = params.get("collection");
  if (collection) return { page: "collection", collection, version: params.get("version") };
  return { page: "home" };
}

/** The route within the server's limits: a depth or cluster threshold in the URL past its limit asks for the limit,
 * with a notice saying so. */
export function withinLimits(route: LineageRoute, limits: ServerLimits): LineageRoute {
  const notices = [...route.notices];
  const bounded = (name: string, value: number, limit: number): number => {
    if (value <= limit) return value;
    notices.push(`${name}=${value} is above this server's limit of ${limit}: showing ${name} ${limit}.`);
    return limit;
  };
  return {
    ...route,
    depth: bounded("depth", route.depth, limits.lineageMaxDepth),
    clusterThreshold: bounded("cluster", route.clusterThreshold, limits.lineageMaxClusterThreshold),
    notices,
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
        ...route.expansions.map((each): [string, string] => [each.direction === "UPSTREAM" ? "up" : "down", each.ref]),
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
    expansions: [],
    notices: [],
  };
}

/** Says in the address bar what the page shows, without drawing it again (the view grew in place, or the URL
 * asked for values the page could not use). */
export function replaceRoute(route: Route): void {
  window.history.replaceState(null, "", routeUrl(route));
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
