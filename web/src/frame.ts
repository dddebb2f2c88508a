// The page frame around every view: breadcrumbs, the alert line and the sign-out button.

import { explain, signOut } from "./api";
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

/** The "Sign out" button at the end of the top bar; it returns to the login page. */
export function addSignOut(): void {
  const topbar = document.querySelector(".topbar");
  if (!topbar || topbar.querySelector(".sign-out")) return;
  const button = el("button", { type: "button", class: "sign-out" }, "Sign out");
  button.addEventListener("click", () => {
    signOut()
      .then(() => window.location.assign("/login"))
      .catch((error: unknown) => showAlert(explain(error)));
  });
  topbar.append(button);
}
