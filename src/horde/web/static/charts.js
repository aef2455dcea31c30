// The Charts tab: Plotly charts of the whole run from /api/v1/history, for all requests or
// for one name. Plotly (served by horde from the `plotly` package) is loaded on first use;
// updates go through Plotly.react and keep the user's zoom (layout.uirevision).

import { BASE, getJSON } from "./api.js";
import { byId, el, setText, show } from "./dom.js";

const COLORS = {
  rps: "#1f7a4d",
  fails: "#c62828",
  p50: "#1565c0",
  p95: "#ef6c00",
  p99: "#6a1b9a",
  users: "#37474f",
};

let plotlyLoading = null;

/** window.Plotly, loading /static/vendor/plotly.min.js the first time. */
export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const script = el("script", { src: `${BASE}/static/vendor/plotly.min.js` });
      script.addEventListener("load", () => resolve(window.Plotly));
      script.addEventListener("error", () => {
        plotlyLoading = null;
        reject(new Error("could not load the chart library (static/vendor/plotly.min.js)"));
      });
      document.head.append(script);
    });
  }
  return plotlyLoading;
}

function layout(title, yTitle, revision, extra = {}) {
  return {
    title: { text: title, font: { size: 15 }, x: 0, xanchor: "left", xref: "paper" },
    uirevision: revision,
    autosize: true,
    height: 280,
    margin: { l: 60, r: 20, t: 44, b: 36 },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", color: "#1f2933" },
    hovermode: "x unified",
    legend: { orientation: "h", x: 1, xanchor: "right", y: 1.12, yanchor: "bottom" },
    xaxis: { type: "date", gridcolor: "#e4e7eb", linecolor: "#9aa5b1", tickformat: "%H:%M:%S" },
    yaxis: {
      title: { text: yTitle },
      rangemode: "tozero",
      gridcolor: "#e4e7eb",
      linecolor: "#9aa5b1",
      zerolinecolor: "#cbd2d9",
    },
    ...extra,
  };
}

const LOG_AXIS = {
  yaxis: {
    type: "log",
    title: { text: "ms (log scale)" },
    gridcolor: "#e4e7eb",
    linecolor: "#9aa5b1",
  },
};

const CONFIG = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
  toImageButtonOptions: { format: "png", filename: "horde-chart" },
};

function line(name, x, y, color, extra = {}) {
  return {
    type: "scatter",
    mode: "lines",
    name,
    x,
    y,
    line: { color, width: 2 },
    hovertemplate: "%{y:.2f}",
    ...extra,
  };
}

function seriesKey(series) {
  return series ? `${series.method} ${series.name}` : "";
}

/** Plotly reads a few HTML-like tags in titles; request names are data, so escape them. */
function plotlyText(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function seriesLabel(series) {
  return series.method ? `${series.method} ${series.name}` : series.name;
}

export class Charts {
  /** `requestRefresh()` asks for a refresh soon (through the tab's poller). */
  constructor(requestRefresh) {
    this.requestRefresh = requestRefresh;
    this.select = byId("chart-series");
    this.error = byId("charts-error");
    this.divs = { rps: byId("chart-rps"), rt: byId("chart-rt"), users: byId("chart-users") };
    this.series = []; // [{name, method}] that have their own history
    this.selected = null; // one of this.series, or null for all requests
    this.revision = "run"; // changes when a new test starts: the zoom resets then
    this.drawn = false;
    this.logScale = byId("chart-log");
    this.logScale.addEventListener("change", () => this.requestRefresh());
    this.select.addEventListener("change", () => {
      const index = this.select.value;
      this.selected = index === "" ? null : this.series[Number(index)] || null;
      this.requestRefresh();
    });
  }

  /** A new test started: its time axis has nothing in common with the previous one. */
  newRun(startedAt) {
    this.revision = `run-${startedAt || 0}`;
  }

  async refresh() {
    const wanted = this.selected;
    let path = "/api/v1/history";
    if (wanted) {
      const query = new URLSearchParams({ name: wanted.name, method: wanted.method });
      path += `?${query}`;
    }
    const [Plotly, history] = await Promise.all([loadPlotly(), getJSON(path)]);
    if (wanted !== this.selected) return; // the selection changed while we waited
    show(this.error, false);
    this.updateSeries(history.series || []);
    this.draw(Plotly, history.points || [], wanted);
  }

  showError(message) {
    setText(this.error, message);
    show(this.error, true);
  }

  updateSeries(series) {
    const keys = series.map(seriesKey).join("\n");
    if (keys === this.seriesKeys) return;
    this.seriesKeys = keys;
    const current = seriesKey(this.selected);
    this.series = series;
    const options = [el("option", { value: "", text: "All requests (Aggregated)" })];
    series.forEach((s, i) => {
      options.push(el("option", { value: String(i), text: seriesLabel(s) }));
    });
    this.select.replaceChildren(...options);
    const index = series.findIndex((s) => seriesKey(s) === current);
    this.select.value = index >= 0 ? String(index) : "";
    if (index < 0) this.selected = null;
    else this.selected = series[index];
  }

  draw(Plotly, points, series) {
    const x = points.map((p) => new Date(p.time * 1000));
    const col = (key) => points.map((p) => p[key] ?? null);
    const suffix = series ? ` — ${plotlyText(seriesLabel(series))}` : "";
    const revision = this.revision;
    Plotly.react(
      this.divs.rps,
      [
        line("RPS", x, col("current_rps"), COLORS.rps, {
          fill: "tozeroy",
          fillcolor: "rgba(31,122,77,0.08)",
        }),
        line("Failures/s", x, col("current_fail_per_sec"), COLORS.fails),
      ],
      layout(`Requests per second${suffix}`, "per second", revision),
      CONFIG,
    );
    Plotly.react(
      this.divs.rt,
      [
        line("p50", x, col("response_time_percentile_0.5"), COLORS.p50),
        line("p95", x, col("response_time_percentile_0.95"), COLORS.p95),
        line("p99", x, col("response_time_percentile_0.99"), COLORS.p99),
      ],
      layout(`Response times (ms)${suffix}`, "ms", revision, this.logScale.checked ? LOG_AXIS : {}),
      CONFIG,
    );
    Plotly.react(
      this.divs.users,
      [
        line("Users", x, col("user_count"), COLORS.users, {
          line: { color: COLORS.users, width: 2, shape: "hv" },
          hovertemplate: "%{y}",
        }),
      ],
      layout("Number of users", "users", revision),
      CONFIG,
    );
    this.drawn = true;
  }

  /** The tab became visible: Plotly measures its width from the page. */
  resize() {
    if (!this.drawn || !window.Plotly) return;
    for (const div of Object.values(this.divs)) window.Plotly.Plots.resize(div);
  }
}
