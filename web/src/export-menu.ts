// "Export": the current view saved as PNG or SVG, or copied as Mermaid or DOT text.

import { el } from "./elements";

export interface Exports {
  /** A name for saved files, from the ref the view is about. */
  name: () => string;
  png: () => Blob;
  svg: () => string;
  mermaid: () => string;
  dot: () => string;
}

function save(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Copies `text`; where the browser offers no clipboard (an http page on another host), shows it to copy by hand. */
async function copy(text: string, what: string, status: HTMLElement, fallback: HTMLTextAreaElement): Promise<void> {
  fallback.value = text;
  try {
    await navigator.clipboard.writeText(text);
    fallback.hidden = true;
    status.textContent = `${what} copied to the clipboard.`;
  } catch {
    fallback.hidden = false;
    fallback.select();
    status.textContent = `This browser gives the page no clipboard: the ${what} is selected below, copy it by hand.`;
  }
}

export function exportMenu(exports: Exports): HTMLElement {
  const status = el("p", { class: "export-status small", role: "status" });
  const fallback = el("textarea", {
    class: "export-text",
    readonly: true,
    rows: 6,
    "aria-label": "Exported text",
    hidden: true,
  });
  const item = (label: string, action: string, run: () => void) => {
    const button = el("button", { type: "button", "data-export": action }, label);
    button.addEventListener("click", run);
    return el("li", {}, button);
  };
  const safeName = () => exports.name().replace(/[^A-Za-z0-9_.-]+/g, "_");
  return el(
    "details",
    { class: "export" },
    el("summary", {}, "Export"),
    el(
      "div",
      { class: "export-menu" },
      el(
        "ul",
        {},
        item("Save PNG", "png", () => {
          save(exports.png(), `${safeName()}.png`);
          status.textContent = "PNG saved.";
        }),
        item("Save SVG", "svg", () => {
          save(new Blob([exports.svg()], { type: "image/svg+xml" }), `${safeName()}.svg`);
          status.textContent = "SVG saved.";
        }),
        item("Copy as Mermaid", "mermaid", () => void copy(exports.mermaid(), "Mermaid flowchart", status, fallback)),
        item("Copy as DOT", "dot", () => void copy(exports.dot(), "DOT graph", status, fallback)),
      ),
      status,
      fallback,
    ),
  );
}
