/**
 * A titled section of a view whose body is (re)loaded from the API: while loading it
 * says so, on failure it shows the API's error message in place, so one section that
 * fails (a key without the `index` scope) leaves the others working.
 */
import { describeFailure } from "./api";
import { h, replace, type Child } from "./dom";

export interface Section {
  element: HTMLElement;
  /** Runs `load` and shows what it returns (or its failure) as the section's body. */
  reload(): Promise<void>;
}

/** A section headed `title` whose body comes from `load`; `onError` sees every failure. */
export function section(
  title: string,
  name: string,
  load: () => Promise<Child | Child[]>,
  onError?: (error: unknown) => void,
): Section {
  const headingId = `h-${name}`;
  const body = h("div", { class: "section-body", "aria-busy": "false" });
  const element = h(
    "section",
    { class: "panel", "aria-labelledby": headingId, "data-section": name },
    h("h2", { id: headingId }, title),
    body,
  );
  const reload = async () => {
    body.setAttribute("aria-busy", "true");
    if (!body.hasChildNodes())
      replace(body, h("p", { class: "hint" }, "Loading…"));
    try {
      const content = await load();
      replace(body, ...(Array.isArray(content) ? content : [content]));
    } catch (error) {
      onError?.(error);
      replace(
        body,
        h("p", { class: "error", role: "alert" }, describeFailure(error)),
      );
    } finally {
      body.setAttribute("aria-busy", "false");
    }
  };
  return { element, reload };
}
