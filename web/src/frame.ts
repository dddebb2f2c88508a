// The page frame around every view: breadcrumbs and the alert line.

import { el } from "./elements";

export function setCrumbs(crumbs: { label: string; href?: string }[]): void {
  const nav = document.getElementById("crumbs");
  if (!nav) return;
  nav.replaceChildren(
    ...crumbs
      .flatMap((crumb, index) => [
        index > 0 ? el("span", { class: "separator", "aria-hidden": "true" }, "/") : null,
        crumb.href ? el("a", { href: crumb.href }, crumb.label) : el("span", { "aria-current": "page" }, crumb.label),
      ])
      .filter((each): each is HTMLElement => each !== null),
  );
}

export function showAlert(message: string | null): void {
  const alert = document.getElementById("alert");
  if (!alert) return;
  alert.textContent = message ?? "";
  alert.hidden = message === null;
}
