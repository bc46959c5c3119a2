/**
 * The console's entry point (bundled to /assets/console.js). Signed out, it shows the
 * sign-in form; signed in (a credential in sessionStorage, console/session.ts), the
 * tenant or the operator view. The credential is checked once against the API before it
 * is stored: a 401 means it is wrong; any other answer means the API knows it.
 */
import { ApiFailure, apiResponse } from "./api";
import { button, h, liveStatus, replace } from "./dom";
import { operatorView } from "./operator-view";
import {
  clearSession,
  loadSession,
  saveSession,
  type Role,
  type Session,
} from "./session";
import { tenantView } from "./tenant-view";

/** The API call that proves a credential, per role. */
const PROBE: Record<Role, string> = {
  tenant: "/v1/account",
  operator: "/admin/v1/tenants?limit=1",
};

function main(): void {
  const root = document.getElementById("main");
  if (!root) return;
  const session = loadSession();
  if (session) signedIn(root, session);
  else signInForm(root);
}

function signedIn(root: HTMLElement, session: Session): void {
  const bar = h(
    "div",
    { class: "whoami" },
    h(
      "span",
      {},
      session.role === "tenant"
        ? "Signed in with an API key"
        : "Signed in as operator",
    ),
    button(
      "Sign out",
      () => {
        clearSession();
        signInForm(root);
      },
      { "data-action": "sign-out" },
    ),
  );
  const view = h("div", { class: "view", "data-view": session.role });
  replace(root, bar, view);
  if (session.role === "tenant") tenantView(view, session);
  else operatorView(view, session);
}

function signInForm(root: HTMLElement): void {
  const status = liveStatus({ class: "error" });
  const roleTenant = h("input", {
    type: "radio",
    name: "role",
    id: "role-tenant",
    value: "tenant",
    checked: true,
  });
  const roleOperator = h("input", {
    type: "radio",
    name: "role",
    id: "role-operator",
    value: "operator",
  });
  const secret = h("input", {
    id: "credential",
    type: "password",
    required: true,
    autocomplete: "off",
    spellcheck: "false",
  });
  const form = h(
    "form",
    { class: "sign-in panel", "aria-labelledby": "sign-in-title" },
    h("h2", { id: "sign-in-title" }, "Sign in"),
    h(
      "fieldset",
      {},
      h("legend", {}, "I am"),
      h("label", { class: "check" }, roleTenant, " a tenant (API key)"),
      h(
        "label",
        { class: "check" },
        roleOperator,
        " the operator (admin token)",
      ),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "credential" }, "API key or admin token"),
      secret,
    ),
    h(
      "p",
      { class: "hint" },
      "Kept in this tab's session storage only; closing the tab signs you out.",
    ),
    h("button", { type: "submit" }, "Sign in"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const session: Session = {
      role: roleOperator.checked ? "operator" : "tenant",
      token: secret.value.trim(),
    };
    status.textContent = "Checking…";
    try {
      await apiResponse(session, "GET", PROBE[session.role]);
    } catch (error) {
      if (!(error instanceof ApiFailure) || error.status === 401) {
        status.textContent =
          error instanceof ApiFailure
            ? "That credential was refused (401)."
            : String(error);
        return;
      }
    }
    saveSession(session);
    signedIn(root, session);
  });
  replace(root, form);
  secret.focus();
}

main();
