// Building DOM nodes from text: server strings only ever become Text nodes or attribute values.

export type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** A definition list of label → value rows; rows with no value are left out. */
export function facts(rows: [string, Child | Child[]][]): HTMLDListElement {
  const list = el("dl", { class: "facts" });
  for (const [label, value] of rows) {
    const values = Array.isArray(value) ? value : [value];
    if (values.every((each) => each === null || each === undefined || each === false || each === "")) continue;
    append(list, el("dt", {}, label), el("dd", {}, ...values));
  }
  return list;
}
