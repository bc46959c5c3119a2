/**
 * The tenant's view, signed in with one of its API keys: account (plan, month to date
 * against the quota), usage by day (charts and table from `GET /v1/usage`), its keys
 * (list, create with the secret shown once, revoke), indexing jobs and batches with
 * their results, and webhook secret rotation. Each section needs its own scope; one the
 * key lacks says so in place. A suspended tenant sees a banner saying so.
 */
import { api, ApiFailure } from "./api";
import { button, h, liveStatus, replace, table, type Child } from "./dom";
import { downloadButton } from "./download";
import { formatInt, formatPercent, formatUnixTime, utcDay } from "./format";
import { secretBox } from "./secret-box";
import { section } from "./section";
import type { Session } from "./session";
import type {
  Account,
  BatchView,
  CreatedOwnKey,
  CursorPage,
  JobView,
  OwnKey,
  OwnKeyList,
  Plan,
  UsageReport,
  WebhookSecretInfo,
} from "./api-types";
import type { Scope } from "../workers/tenants/records";
import { usagePanel } from "./usage-chart";

/** Days of usage the view charts, today included. */
export const USAGE_DAYS = 30;

/** Every scope a key can hold (the Worker's SCOPES, checked by type, not bundled). */
const SCOPES = [
  "embed",
  "index",
  "usage",
  "batch",
  "keys",
] as const satisfies readonly Scope[];
// Fails to compile when the Worker gains a scope this list lacks.
const _everyScope: Exclude<Scope, (typeof SCOPES)[number]> extends never
  ? true
  : never = true;

/** Renders the tenant view into `root`. */
export function tenantView(root: HTMLElement, session: Session): void {
  const banner = h("div", { class: "banner", "data-banner": "" });
  const noticeSuspended = (error: unknown) => {
    if (error instanceof ApiFailure && error.code === "tenant_suspended") {
      replace(
        banner,
        h(
          "p",
          {
            role: "alert",
            class: "suspended",
            "data-tenant-status": "suspended",
          },
          "This tenant is suspended: its API keys are refused until an operator reactivates it.",
        ),
      );
    }
  };

  const account = section(
    "Account and plan",
    "account",
    async () => accountBody(await api<Account>(session, "GET", "/v1/account")),
    noticeSuspended,
  );
  const usage = section(
    "Usage, last 30 days",
    "usage",
    async () => {
      const report = await api<UsageReport>(
        session,
        "GET",
        `/v1/usage?from=${utcDay(1 - USAGE_DAYS)}&to=${utcDay()}`,
      );
      return usagePanel(report, "Your usage", false);
    },
    noticeSuspended,
  );
  const keys = section(
    "API keys",
    "keys",
    async () => keysBody(session, () => void keys.reload()),
    noticeSuspended,
  );
  const jobs = section(
    "Indexing jobs",
    "jobs",
    async () => jobsBody(session),
    noticeSuspended,
  );
  const batches = section(
    "Batches",
    "batches",
    async () => batchesBody(session),
    noticeSuspended,
  );
  const webhook = section(
    "Webhook signing secret",
    "webhook",
    async () => webhookBody(session),
    noticeSuspended,
  );

  replace(
    root,
    banner,
    account.element,
    usage.element,
    keys.element,
    jobs.element,
    batches.element,
    webhook.element,
  );
  for (const s of [account, usage, keys, jobs, batches, webhook])
    void s.reload();
}

function accountBody(a: Account): Child[] {
  const used = a.quota.tokens_used;
  const quota = a.quota.tokens_per_month;
  const share = quota === 0 ? 0 : used / quota;
  return [
    h(
      "p",
      {},
      "Tenant ",
      h("strong", {}, a.name),
      ` (${a.tenant_id}), status `,
      h("strong", { "data-tenant-status": a.status }, a.status),
      ".",
    ),
    h(
      "div",
      { class: "quota" },
      h(
        "label",
        { for: "quota-bar" },
        `Month to date: ${formatInt(used)} of ${formatInt(quota)} tokens (${formatPercent(share)}); resets ${a.quota.resets_at.slice(0, 10)}`,
      ),
      h("progress", {
        id: "quota-bar",
        max: quota,
        value: Math.min(used, quota),
      }),
    ),
    planTable(a.plan, "Rate-limit plan"),
    h(
      "p",
      { class: "hint" },
      `Signed in with key ${a.key.id} (scopes: ${a.key.scopes.join(", ")}).`,
    ),
  ];
}

/** The plan's four limits as a table. */
export function planTable(plan: Plan, caption: string): HTMLTableElement {
  return table(
    caption,
    [
      "Requests per minute",
      "Tokens per minute",
      "Tokens per month",
      "Inputs per request",
    ],
    [
      [
        formatInt(plan.requests_per_minute),
        formatInt(plan.tokens_per_minute),
        formatInt(plan.tokens_per_month),
        formatInt(plan.max_inputs_per_request),
      ],
    ],
    { class: "data plan-table" },
  );
}

async function keysBody(
  session: Session,
  refresh: () => void,
): Promise<Child[]> {
  const list = await api<OwnKeyList>(session, "GET", "/v1/keys");
  const status = liveStatus();
  const created = h("div", { class: "created" });
  const nameField = h("input", {
    id: "new-key-name",
    type: "text",
    maxlength: 200,
    autocomplete: "off",
  });
  const scopeBoxes = SCOPES.map((scope) => {
    const box = h("input", {
      type: "checkbox",
      value: scope,
      id: `scope-${scope}`,
    });
    return { box, label: h("label", { class: "check" }, box, ` ${scope}`) };
  });
  const form = h(
    "form",
    { class: "create-key", "aria-label": "Create a key" },
    h(
      "div",
      { class: "field" },
      h("label", { for: "new-key-name" }, "Name (optional)"),
      nameField,
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Scopes (none checked: the same as this key)"),
      ...scopeBoxes.map((s) => s.label),
    ),
    h("button", { type: "submit" }, "Create key"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const scopes = scopeBoxes
      .filter((s) => s.box.checked)
      .map((s) => s.box.value);
    const body = {
      ...(nameField.value.trim() ? { name: nameField.value.trim() } : {}),
      ...(scopes.length ? { scopes } : {}),
    };
    try {
      const key = await api<CreatedOwnKey>(session, "POST", "/v1/keys", body);
      refreshTable(key);
    } catch (error) {
      status.textContent =
        error instanceof Error ? error.message : String(error);
    }
  });
  // The new secret stays on screen above the refreshed list until the page is left.
  const refreshTable = (key: CreatedOwnKey) => {
    replace(created, secretBox(`New API key ${key.prefix}`, key.key));
    void api<OwnKeyList>(session, "GET", "/v1/keys").then((fresh) => {
      const current = document.querySelector("[data-section=keys] table");
      if (current)
        current.replaceWith(keysTable(fresh.data, session, refresh, status));
    });
  };
  return [
    created,
    keysTable(list.data, session, refresh, status),
    form,
    status,
  ];
}

function keysTable(
  keys: OwnKey[],
  session: Session,
  refresh: () => void,
  status: HTMLElement,
): HTMLTableElement {
  const headers = ["Name", "Key", "Scopes", "Created", "Status", "Action"];
  return table(
    "Your keys",
    headers,
    keys.map((k): Child[] => [
      k.name ?? "–",
      h("code", {}, k.prefix),
      k.scopes.join(", "),
      k.created_at.slice(0, 10),
      k.status,
      k.status === "active"
        ? button(
            "Revoke",
            async () => {
              if (
                !confirm(
                  `Revoke key ${k.prefix}? Requests with it fail within seconds.`,
                )
              )
                return;
              try {
                await api(
                  session,
                  "DELETE",
                  `/v1/keys/${encodeURIComponent(k.id)}`,
                );
                refresh();
              } catch (error) {
                status.textContent =
                  error instanceof Error ? error.message : String(error);
              }
            },
            { "aria-label": `Revoke key ${k.prefix}`, "data-revoke": k.id },
          )
        : "",
    ]),
    { class: "data keys-table" },
  );
}

async function jobsBody(session: Session): Promise<Child[]> {
  const page = await api<CursorPage<JobView>>(
    session,
    "GET",
    "/v1/index/jobs?limit=20",
  );
  const status = liveStatus();
  if (page.data.length === 0)
    return [
      h("p", { class: "hint" }, "No indexing jobs yet (POST /v1/index/jobs)."),
    ];
  const rows = page.data.map((j): Child[] => [
    h("code", {}, j.id),
    j.status,
    `${formatInt(j.counts.documents_processed)} / ${formatInt(j.counts.documents)}`,
    `${formatInt(j.counts.chunks)} (${formatInt(j.counts.chunks_from_cache)} from cache)`,
    formatInt(j.counts.failed),
    formatUnixTime(j.created_at),
    j.status === "completed"
      ? downloadButton(
          session,
          "Results (JSONL)",
          `/v1/index/jobs/${encodeURIComponent(j.id)}/results`,
          `${j.id}.jsonl`,
          (m) => (status.textContent = m),
        )
      : (j.last_error?.message ?? ""),
  ]);
  return [
    table(
      "Latest 20 jobs",
      ["Job", "Status", "Documents", "Chunks", "Failed", "Created", "Results"],
      rows,
      { class: "data jobs-table" },
    ),
    status,
  ];
}

async function batchesBody(session: Session): Promise<Child[]> {
  const page = await api<CursorPage<BatchView>>(
    session,
    "GET",
    "/v1/batches?limit=20",
  );
  const status = liveStatus();
  if (page.data.length === 0)
    return [h("p", { class: "hint" }, "No batches yet (POST /v1/batches).")];
  const file = (id: string | null, label: string) =>
    id
      ? downloadButton(
          session,
          label,
          `/v1/files/${encodeURIComponent(id)}/content`,
          `${id}.jsonl`,
          (m) => (status.textContent = m),
        )
      : "";
  const rows = page.data.map((b): Child[] => [
    h("code", {}, b.id),
    b.status,
    `${formatInt(b.request_counts.completed)} / ${formatInt(b.request_counts.total)}`,
    formatInt(b.request_counts.failed),
    formatUnixTime(b.created_at),
    h(
      "span",
      { class: "files" },
      file(b.output_file_id, "Output"),
      " ",
      file(b.error_file_id, "Errors"),
    ),
  ]);
  return [
    table(
      "Latest 20 batches",
      ["Batch", "Status", "Completed", "Failed", "Created", "Files"],
      rows,
      { class: "data batches-table" },
    ),
    status,
  ];
}

async function webhookBody(session: Session): Promise<Child[]> {
  const info = await api<WebhookSecretInfo>(
    session,
    "GET",
    "/v1/webhook-secret",
  );
  const out = h("div", { class: "created" });
  const status = liveStatus();
  const describe = info.has_secret
    ? `A signing secret exists (made ${info.created_at ?? "?"})${info.previous_expires_at ? `; the replaced one verifies until ${info.previous_expires_at}` : ""}.`
    : "No signing secret yet: rotating makes the first one.";
  const rotate = button("Rotate secret", async () => {
    if (
      info.has_secret &&
      !confirm(
        "Rotate the webhook signing secret? The current one keeps verifying for 24 hours.",
      )
    )
      return;
    try {
      const rotated = await api<{ secret: string }>(
        session,
        "POST",
        "/v1/webhook-secret/rotate",
        {},
      );
      replace(out, secretBox("New webhook signing secret", rotated.secret));
    } catch (error) {
      status.textContent =
        error instanceof Error ? error.message : String(error);
    }
  });
  return [h("p", {}, describe), rotate, out, status];
}
