/**
 * Usage by day, drawn with uPlot 1.6.32 (npm, bundled): tokens computed on a GPU and
 * tokens served from the cache as stacked bars, then requests (bars) with the cache hit
 * rate (line, right axis). Each chart's legend shows the raw figures of the day under
 * the cursor; the arrow, Home and End keys move that cursor when the chart has focus, so
 * the chart reads without a mouse. A data table with every figure sits beside the charts.
 */
import uPlot from "uplot";
import { h, table, type Child } from "./dom";
import { formatInt, formatPercent, formatUsd, hitRate } from "./format";
import type { UsageReport } from "./api-types";

const COLORS = {
  computed: "#2f5fbf",
  cached: "#1f8f66",
  requests: "#8a5cc2",
  hitRate: "#c2581f",
};

/** Summary figures over the whole range: requests, tokens, hit rate, cost and savings. */
export function usageSummary(report: UsageReport): HTMLElement {
  const t = report.totals;
  const item = (label: string, value: string, name: string) =>
    h(
      "div",
      { class: "stat" },
      h("dt", {}, label),
      h("dd", { "data-stat": name }, value),
    );
  return h(
    "dl",
    { class: "stats" },
    item("Requests", formatInt(t.requests), "requests"),
    item("Tokens computed", formatInt(t.tokens_computed), "tokens_computed"),
    item("Tokens from cache", formatInt(t.tokens_cached), "tokens_cached"),
    item(
      "Cache hit rate",
      formatPercent(hitRate(t.tokens_computed, t.tokens_cached)),
      "hit_rate",
    ),
    item("GPU seconds", (t.gpu_ms / 1000).toFixed(1), "gpu_seconds"),
    item(
      "Estimated cost",
      formatUsd(t.estimated_cost_usd),
      "estimated_cost_usd",
    ),
    item(
      "Estimated savings",
      formatUsd(t.estimated_savings_usd),
      "estimated_savings_usd",
    ),
  );
}

/** The day-by-day table: every figure of every day in the report, newest day first. */
export function usageTable(
  report: UsageReport,
  caption: string,
): HTMLTableElement {
  const rows: Child[][] = [...report.data]
    .reverse()
    .map((d) => [
      d.date,
      formatInt(d.requests),
      formatInt(d.inputs),
      formatInt(d.tokens_computed),
      formatInt(d.tokens_cached),
      formatPercent(hitRate(d.tokens_computed, d.tokens_cached)),
      formatUsd(d.estimated_cost_usd),
      formatUsd(d.estimated_savings_usd),
    ]);
  const headers = [
    "Date (UTC)",
    "Requests",
    "Inputs",
    "Tokens computed",
    "Tokens from cache",
    "Hit rate",
    "Est. cost",
    "Est. savings",
  ];
  return table(caption, headers, rows, { class: "data usage-table" });
}

/**
 * Both charts and the table for `report`; `title` names them (and is shown as a heading
 * when `showTitle`).
 */
export function usagePanel(
  report: UsageReport,
  title: string,
  showTitle = true,
): HTMLElement {
  const dates = report.data.map((d) => d.date);
  const computed = report.data.map((d) => d.tokens_computed);
  const cached = report.data.map((d) => d.tokens_cached);
  const requests = report.data.map((d) => d.requests);
  const rates = report.data.map((d) => {
    const rate = hitRate(d.tokens_computed, d.tokens_cached);
    return rate === null ? null : rate * 100;
  });
  const stackedTop = computed.map((c, i) => c + (cached[i] ?? 0));

  const tokensHost = h("div", {
    class: "chart",
    tabindex: 0,
    role: "img",
    "data-chart": "tokens",
  });
  tokensHost.setAttribute(
    "aria-label",
    `Tokens per day, computed and from cache, ${dates[0] ?? ""} to ${dates.at(-1) ?? ""}; figures in the table below.`,
  );
  const requestsHost = h("div", {
    class: "chart",
    tabindex: 0,
    role: "img",
    "data-chart": "requests",
  });
  requestsHost.setAttribute(
    "aria-label",
    "Requests and cache hit rate per day; figures in the table below.",
  );

  const x = dates.map((_, i) => i);
  const intValue =
    (raw: number[]) =>
    (_u: uPlot, _v: number | null, _s: number, idx: number | null) =>
      idx === null ? "–" : formatInt(raw[idx] ?? 0);
  // The cached series is drawn from the bottom to computed + cached, behind the computed
  // bars, which is what stacks them; its legend shows the cached figure itself.
  mountChart(
    tokensHost,
    dates,
    [x, stackedTop, computed],
    [
      {
        label: "Tokens from cache",
        fill: COLORS.cached,
        stroke: COLORS.cached,
        value: intValue(cached),
      },
      {
        label: "Tokens computed",
        fill: COLORS.computed,
        stroke: COLORS.computed,
        value: intValue(computed),
      },
    ],
    { y: {} },
  );
  mountChart(
    requestsHost,
    dates,
    [x, requests, rates],
    [
      {
        label: "Requests",
        fill: COLORS.requests,
        stroke: COLORS.requests,
        value: intValue(requests),
      },
      {
        label: "Hit rate",
        stroke: COLORS.hitRate,
        scale: "%",
        width: 2,
        value: (_u, v) => (v === null ? "–" : `${v.toFixed(1)}%`),
      },
    ],
    { y: {}, "%": { range: [0, 100] } },
  );

  return h(
    "section",
    { class: "usage", "aria-label": title },
    showTitle ? h("h3", {}, title) : null,
    usageSummary(report),
    h("div", { class: "charts" }, tokensHost, requestsHost),
    h(
      "div",
      { class: "table-wrap" },
      usageTable(report, `${title}: figures by day`),
    ),
  );
}

/** Axis steps for counts: 1, 2, 5 times powers of ten. */
const COUNT_INCREMENTS = Array.from({ length: 13 }, (_, e) =>
  [1, 2, 5].map((m) => m * 10 ** e),
).flat();

type SeriesSpec = uPlot.Series & { label: string };

function mountChart(
  host: HTMLElement,
  dates: string[],
  data: uPlot.AlignedData,
  series: SeriesSpec[],
  scales: uPlot.Scales,
): void {
  const bars = uPlot.paths.bars!({ size: [0.7, 48] });
  const n = dates.length;
  const opts: uPlot.Options = {
    width: 600,
    height: 220,
    scales: { x: { time: false, range: () => [-0.5, n - 0.5] }, ...scales },
    cursor: { y: false, points: { show: false }, drag: { x: false, y: false } },
    series: [
      {
        label: "Date",
        value: (_u, v) => (v === null ? "–" : (dates[Math.round(v)] ?? "–")),
      },
      ...series.map((s) => ({
        ...s,
        ...(s.scale === "%" ? {} : { paths: bars, points: { show: false } }),
      })),
    ],
    axes: [
      {
        incrs: [1, 2, 5, 7, 14, 28],
        values: (_u, splits) => splits.map((i) => dates[i]?.slice(5) ?? ""),
      },
      // Whole numbers only: requests and tokens are counts.
      {
        size: 64,
        incrs: COUNT_INCREMENTS,
        values: (_u, splits) => splits.map((v) => formatInt(v)),
      },
      ...(scales["%"]
        ? [
            {
              scale: "%",
              side: 1 as const,
              grid: { show: false },
              values: (_u: uPlot, s: number[]) => s.map((v) => `${v}%`),
            },
          ]
        : []),
    ],
  };
  // Mounted once the host is in the document, at the host's width; resized with it.
  const start = () => {
    const chart = new uPlot(
      { ...opts, width: Math.max(280, host.clientWidth) },
      data,
      host,
    );
    new ResizeObserver(() =>
      chart.setSize({ width: Math.max(280, host.clientWidth), height: 220 }),
    ).observe(host);
    host.addEventListener("keydown", (event) => moveCursor(chart, n, event));
  };
  requestAnimationFrame(start);
}

/** Arrow keys step the chart's cursor (and so its legend) from day to day. */
function moveCursor(chart: uPlot, n: number, event: KeyboardEvent): void {
  const current = chart.cursor.idx ?? -1;
  const next =
    event.key === "ArrowRight"
      ? Math.min(n - 1, current + 1)
      : event.key === "ArrowLeft"
        ? Math.max(0, current < 0 ? n - 1 : current - 1)
        : event.key === "Home"
          ? 0
          : event.key === "End"
            ? n - 1
            : null;
  if (next === null || n === 0) return;
  event.preventDefault();
  chart.setCursor({
    left: chart.valToPos(next, "x"),
    top: chart.bbox.height / devicePixelRatio / 2,
  });
}
