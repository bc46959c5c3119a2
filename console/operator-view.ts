/**
 * The operator's view, signed in with the admin token: tenants (filter by status, page
 * by page) with status, plan and month-to-date tokens; one tenant opened shows its usage
 * chart and table, a form to edit its plan, suspend or reactivate, and its keys with a
 * revoke button. Everything goes through the admin API (`/admin/v1`).
 */
import { api } from "./api";
import { button, h, liveStatus, replace, table, type Child } from "./dom";
import { formatInt, utcDay } from "./format";
import { section } from "./section";
import type { Session } from "./session";
import { planTable, USAGE_DAYS } from "./tenant-view";
import type {
  ApiKeyList,
  ApiKeyView,
  CursorPage,
  Plan,
  Tenant,
  TenantWithUsage,
  UsageReport,
} from "./api-types";
import { usagePanel } from "./usage-chart";

const PLAN_FIELDS: { field: keyof Plan; label: string }[] = [
  { field: "requests_per_minute", label: "Requests per minute" },
  { field: "tokens_per_minute", label: "Tokens per minute" },
  { field: "tokens_per_month", label: "Tokens per month" },
  { field: "max_inputs_per_request", label: "Inputs per request" },
];

/** Renders the operator view into `root`. */
export function operatorView(root: HTMLElement, session: Session): void {
  const detail = h("div", { class: "detail" });
  const filter = h(
    "select",
    { id: "status-filter" },
    h("option", { value: "" }, "All"),
    h("option", { value: "active" }, "Active"),
    h("option", { value: "suspended" }, "Suspended"),
  );
  const pages: (string | null)[] = [null];
  const open = (id: string) =>
    void openTenant(detail, session, id, () => void tenants.reload());
  const tenants = section("Tenants", "tenants", async () => {
    const after = pages.at(-1);
    const query = new URLSearchParams({ limit: "20" });
    if (filter.value) query.set("status", filter.value);
    if (after) query.set("after", after);
    const page = await api<CursorPage<TenantWithUsage>>(
      session,
      "GET",
      `/admin/v1/tenants?${query}`,
    );
    const rows = page.data.map((t): Child[] => [
      button(t.name, () => open(t.id), {
        class: "link-button",
        "data-open-tenant": t.id,
        "aria-label": `Open tenant ${t.name} (${t.id})`,
      }),
      h("code", {}, t.id),
      h(
        "span",
        { "data-status": t.status, class: `status ${t.status}` },
        t.status,
      ),
      `${formatInt(t.plan.requests_per_minute)} rpm · ${formatInt(t.plan.tokens_per_minute)} tpm`,
      `${formatInt(t.month_to_date.tokens)} / ${formatInt(t.plan.tokens_per_month)}`,
    ]);
    const nav = h(
      "div",
      { class: "pager" },
      pages.length > 1
        ? button("First page", () => {
            pages.splice(1);
            void tenants.reload();
          })
        : "",
      page.has_more && page.last_id
        ? button("Next page", () => {
            pages.push(page.last_id ?? null);
            void tenants.reload();
          })
        : "",
    );
    return [
      table(
        "Newest first; open one to manage it",
        ["Name", "Id", "Status", "Plan", "Month-to-date tokens / quota"],
        rows,
        { class: "data tenants-table" },
      ),
      nav,
    ];
  });
  filter.addEventListener("change", () => {
    pages.splice(1);
    void tenants.reload();
  });
  const filterField = h(
    "div",
    { class: "field inline" },
    h("label", { for: "status-filter" }, "Status"),
    filter,
  );
  tenants.element.insertBefore(
    filterField,
    tenants.element.children[1] ?? null,
  );
  replace(root, tenants.element, detail);
  void tenants.reload();
}

async function openTenant(
  detail: HTMLElement,
  session: Session,
  id: string,
  refreshList: () => void,
): Promise<void> {
  const path = `/admin/v1/tenants/${encodeURIComponent(id)}`;
  const view = section("Tenant", "tenant", async () => {
    const [tenant, report, keys] = await Promise.all([
      api<Tenant>(session, "GET", path),
      api<UsageReport>(
        session,
        "GET",
        `${path}/usage?from=${utcDay(1 - USAGE_DAYS)}&to=${utcDay()}`,
      ),
      api<ApiKeyList>(session, "GET", `${path}/keys`),
    ]);
    const status = liveStatus();
    const patch = async (body: unknown, done: string) => {
      try {
        await api(session, "PATCH", path, body);
        await view.reload();
        refreshList();
        const now = document.querySelector(
          "[data-section=tenant] [role=status]",
        );
        if (now) now.textContent = done;
      } catch (error) {
        status.textContent =
          error instanceof Error ? error.message : String(error);
      }
    };
    const suspend =
      tenant.status === "active"
        ? button(
            "Suspend tenant",
            () => {
              if (
                confirm(
                  `Suspend ${tenant.name}? Its keys are refused within seconds.`,
                )
              )
                void patch({ status: "suspended" }, "Suspended.");
            },
            { class: "danger", "data-action": "suspend" },
          )
        : button(
            "Reactivate tenant",
            () => void patch({ status: "active" }, "Reactivated."),
            {
              "data-action": "reactivate",
            },
          );
    return [
      h("h3", {}, `${tenant.name} `, h("code", {}, tenant.id)),
      h(
        "p",
        {},
        "Status: ",
        h("strong", { "data-status": tenant.status }, tenant.status),
        " ",
        suspend,
      ),
      status,
      planTable(tenant.plan, "Current plan"),
      planForm(tenant.plan, (plan) => void patch({ plan }, "Plan saved.")),
      usagePanel(report, `Usage of ${tenant.name}`),
      keysTable(keys.data, session, () => void view.reload(), status),
    ];
  });
  replace(detail, view.element);
  await view.reload();
  view.element.querySelector("h2")?.setAttribute("tabindex", "-1");
  (view.element.querySelector("h2") as HTMLElement | null)?.focus();
}

function planForm(plan: Plan, save: (plan: Plan) => void): HTMLFormElement {
  const inputs = PLAN_FIELDS.map(({ field, label }) => {
    const input = h("input", {
      id: `plan-${field}`,
      name: field,
      type: "number",
      min: 1,
      step: 1,
      required: true,
      value: plan[field],
      inputmode: "numeric",
    });
    return {
      field,
      input,
      wrap: h(
        "div",
        { class: "field" },
        h("label", { for: `plan-${field}` }, label),
        input,
      ),
    };
  });
  const form = h(
    "form",
    { class: "plan-form", "aria-label": "Edit plan" },
    h(
      "fieldset",
      {},
      h("legend", {}, "Edit plan"),
      ...inputs.map((i) => i.wrap),
    ),
    h("button", { type: "submit" }, "Save plan"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = { ...plan };
    for (const { field, input } of inputs) next[field] = Number(input.value);
    save(next);
  });
  return form;
}

function keysTable(
  keys: ApiKeyView[],
  session: Session,
  refresh: () => void,
  status: HTMLElement,
): HTMLTableElement {
  const rows = keys.map((k): Child[] => [
    k.name ?? "–",
    h("code", {}, k.prefix),
    k.scopes.join(", "),
    k.created_at.slice(0, 10),
    k.revoked_at ? `revoked ${k.revoked_at.slice(0, 10)}` : "active",
    k.revoked_at
      ? ""
      : button(
          "Revoke",
          async () => {
            if (!confirm(`Revoke key ${k.prefix}?`)) return;
            try {
              await api(
                session,
                "DELETE",
                `/admin/v1/keys/${encodeURIComponent(k.id)}`,
              );
              refresh();
            } catch (error) {
              status.textContent =
                error instanceof Error ? error.message : String(error);
            }
          },
          { "aria-label": `Revoke key ${k.prefix}`, "data-revoke": k.id },
        ),
  ]);
  return table(
    "Keys",
    ["Name", "Key", "Scopes", "Created", "Status", "Action"],
    rows,
    {
      class: "data keys-table",
    },
  );
}
