// Start-up: draw the view the URL names, again on every navigation.

import "./style.css";
import { ApiError, explain, isAbort } from "./api";
import { renderCollection } from "./collection-page";
import { el } from "./elements";
import { addSignOut, setCrumbs, showAlert } from "./frame";
import { renderHome } from "./home";
import { renderLineage } from "./lineage-page";
import { startRouting, type Route } from "./route";
import { addSearch } from "./search";

const app = document.getElementById("app") as HTMLElement;
let current = new AbortController();
let leave: () => void = () => undefined;

async function draw(route: Route, signal: AbortSignal): Promise<void> {
  switch (route.page) {
    case "home":
      setCrumbs([{ label: "Home" }]);
      document.title = "Stemma";
      await renderHome(app, signal);
      return;
    case "collection":
      document.title = `${route.collection} · Stemma`;
      await renderCollection(app, route, signal);
      return;
    case "lineage":
      document.title = `Lineage of ${route.ref} · Stemma`;
      leave = await renderLineage(app, route, signal);
      return;
  }
}

function render(route: Route): void {
  current.abort();
  leave();
  leave = () => undefined;
  current = new AbortController();
  const signal = current.signal;
  showAlert(null);
  app.setAttribute("aria-busy", "true");
  app.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  draw(route, signal)
    .catch((error: unknown) => {
      if (isAbort(error) || signal.aborted) return;
      if (!(error instanceof ApiError)) console.error(error);
      showAlert(explain(error));
      app.replaceChildren(
        el("p", { class: "muted" }, "Nothing to show here."),
        el("p", {}, el("a", { href: "/" }, "Back to the registries")),
      );
    })
    .finally(() => {
      if (!signal.aborted) app.removeAttribute("aria-busy");
    });
}

addSignOut();
addSearch();
startRouting(render);
