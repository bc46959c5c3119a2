/**
 * A tiny DOM builder. Text always goes in as text nodes (never HTML), so nothing the API
 * returns (tenant names, error messages) can become markup or script on the page.
 */

/** What `h` accepts as a child: nodes, text, or nothing (skipped). */
export type Child = Node | string | number | null | undefined | false;

/** Attribute values; `true` sets an empty attribute, `false`/`null`/`undefined` omit it. */
export type Attrs = Record<
  string,
  string | number | boolean | null | undefined
>;

/** Creates `<tag attrs>children</tag>`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, ...children);
  return el;
}

/** Appends children to `parent`, text as text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(
      typeof child === "string" || typeof child === "number"
        ? document.createTextNode(String(child))
        : child,
    );
  }
}

/** Replaces everything inside `parent` with `children`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A `<button type="button">` that runs `onClick`. */
export function button(
  label: string,
  onClick: (event: MouseEvent) => void,
  attrs: Attrs = {},
): HTMLButtonElement {
  const el = h("button", { type: "button", ...attrs }, label);
  el.addEventListener("click", onClick);
  return el;
}

/**
 * A data table: a caption, column headers (`scope="col"`) and rows of cells. Each cell
 * carries its column's name in `data-label`, which the phone layout (console.css) shows
 * beside the value when rows are stacked as cards.
 */
export function table(
  caption: string,
  headers: string[],
  rows: Child[][],
  attrs: Attrs = {},
): HTMLTableElement {
  return h(
    "table",
    attrs,
    h("caption", {}, caption),
    h(
      "thead",
      {},
      h("tr", {}, ...headers.map((text) => h("th", { scope: "col" }, text))),
    ),
    h(
      "tbody",
      {},
      ...rows.map((cells) =>
        h(
          "tr",
          {},
          ...cells.map((cell, i) =>
            h("td", { "data-label": headers[i] }, cell),
          ),
        ),
      ),
    ),
  );
}

/** A status line that screen readers announce when it changes. */
export function liveStatus(attrs: Attrs = {}): HTMLParagraphElement {
  return h("p", { role: "status", "aria-live": "polite", ...attrs });
}
