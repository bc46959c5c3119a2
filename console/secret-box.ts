/**
 * A secret shown once (a new API key, a new webhook signing secret): read-only text, a
 * Copy button (Clipboard API) and a warning that it will not be shown again. The secret
 * exists only in this element; nothing stores or logs it.
 */
import { button, h, liveStatus } from "./dom";

/** The box for `secret`, labelled `label` ("New API key"). */
export function secretBox(label: string, secret: string): HTMLElement {
  const id = `secret-${Math.random().toString(36).slice(2)}`;
  const status = liveStatus({ class: "hint" });
  const field = h("input", {
    id,
    type: "text",
    readonly: true,
    value: secret,
    class: "secret",
    spellcheck: "false",
    autocomplete: "off",
  });
  const copy = button(
    "Copy",
    async () => {
      try {
        await navigator.clipboard.writeText(secret);
        status.textContent = "Copied to the clipboard.";
      } catch {
        field.select();
        status.textContent =
          "Copying was refused by the browser: the text is selected, press Ctrl+C.";
      }
    },
    { class: "copy", "aria-describedby": id },
  );
  return h(
    "div",
    { class: "secret-box", role: "group", "aria-label": label },
    h("label", { for: id }, label),
    h("div", { class: "row" }, field, copy),
    h("p", { class: "warn" }, "Store it now: it is shown only this once."),
    status,
  );
}
