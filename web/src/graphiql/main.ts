// GraphiQL with the Explorer plugin, bundled from npm with Monaco's workers: nothing is fetched from elsewhere.

import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import "@graphiql/plugin-explorer/style.css";
import "./graphiql.css";
import { explorerPlugin } from "@graphiql/plugin-explorer";
import { GraphiQL } from "graphiql";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { ZOO_LINEAGE, ZOO_LINEAGE_VARIABLES } from "./example";
import { stemmaFetcher } from "./fetcher";

/** The document as written in example.ts, without the template literal's indentation. */
function dedented(text: string): string {
  const indent = Math.min(...[...text.matchAll(/^( *)\S/gm)].map((match) => match[1]?.length ?? 0));
  return text.replace(new RegExp(`^ {${indent}}`, "gm"), "").trim() + "\n";
}

/** No tabs kept from an earlier visit (GraphiQL keeps them in localStorage, under its namespace). */
function firstVisit(): boolean {
  try {
    return window.localStorage.getItem("graphiql:tabState") === null;
  } catch {
    return true;
  }
}

const variables = JSON.stringify(ZOO_LINEAGE_VARIABLES, null, 2);
const logo = createElement(GraphiQL.Logo, null, createElement("a", { href: "/" }, "Stemma"), " GraphiQL");

createRoot(document.getElementById("graphiql") as HTMLElement).render(
  createElement(
    GraphiQL,
    {
      fetcher: stemmaFetcher,
      plugins: [explorerPlugin()],
      defaultTabs: [{ query: dedented(ZOO_LINEAGE.text), variables }],
      // GraphiQL 5.4 fills the query editor from defaultTabs but leaves the variables editor empty.
      ...(firstVisit() ? { initialVariables: variables } : {}),
      defaultEditorToolsVisibility: "variables",
    },
    logo,
  ),
);
