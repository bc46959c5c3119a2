/**
 * Downloads an authenticated API resource (job results, batch output): fetched with the
 * session's Bearer credential, then saved from a `blob:` URL of this origin, since a
 * plain link cannot carry the Authorization header (and the key must not go in a URL).
 */
import { apiResponse } from "./api";
import { button } from "./dom";
import type { Session } from "./session";

/** A button that downloads `path` as `filename`; failures show in `report`. */
export function downloadButton(
  session: Session,
  label: string,
  path: string,
  filename: string,
  report: (message: string) => void,
): HTMLButtonElement {
  return button(
    label,
    async () => {
      try {
        const blob = await (await apiResponse(session, "GET", path)).blob();
        const url = URL.createObjectURL(blob);
        const link = document.createElement("a");
        link.href = url;
        link.download = filename;
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      } catch (error) {
        report(error instanceof Error ? error.message : String(error));
      }
    },
    { class: "link-button", "data-download": path },
  );
}
