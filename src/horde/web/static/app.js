// horde's web UI: the start form, the top bar, and the dashboard tabs.
//
// Plain ES2020 modules, no build step. Data comes from the JSON API described in
// openapi.json (the same API scripts use); every URL is prefixed with --web-base-path.
// Polling: status and statistics every 2 s, plus whatever the visible tab shows; nothing while
// the browser tab is hidden.

import { ApiError, Poller, getJSON, postJSON } from "./api.js";
import { Charts } from "./charts.js";
import {
  byId,
  fmtDuration,
  fmtInt,
  fmtPercent,
  fmtRate,
  setText,
  show,
} from "./dom.js";
import { ExtensionPanel } from "./extensions.js";
import { FailuresPanel } from "./failures.js";
import { EditDialog, StartForm } from "./form.js";
import { DownloadsPanel, ExceptionsPanel, LogsPanel, TasksPanel } from "./panels.js";
import { StatsTable } from "./stats-table.js";
import { ThresholdsPanel, loadLabel } from "./thresholds.js";
import { WorkersPanel } from "./workers.js";

const STATUS_INTERVAL = 2000;
const ACTIVE = new Set(["spawning", "running"]);
const STATE_LABELS = {
  ready: "Ready",
  spawning: "Spawning",
  running: "Running",
  stopping: "Stopping",
  stopped: "Stopped",
  cleanup: "Cleaning up",
  missing: "Missing",
};

const app = {
  status: null,
  stats: null,
  view: null, // "form" | "dashboard"
  wantsForm: false, // "New test" was pressed after a test stopped
  tab: "stats",
  startedAt: undefined,
};

// -- the banner (one message, the most important) -----------------------------------------------

const banner = {
  node: byId("banner"),
  messages: new Map(), // kind -> text
  order: ["connection", "warning", "stopped"],
  set(kind, text) {
    if (text) this.messages.set(kind, text);
    else this.messages.delete(kind);
    const kind0 = this.order.find((k) => this.messages.has(k));
    this.node.dataset.kind = kind0 || "";
    setText(this.node, kind0 ? this.messages.get(kind0) : "");
    show(this.node, Boolean(kind0));
  },
};

function describe(error) {
  return error instanceof ApiError ? error.message : error.message || String(error);
}

// -- panels and pollers -------------------------------------------------------------------------

const table = new StatsTable();
const charts = new Charts(() => tabPollers.charts.kick());
const failures = new FailuresPanel();
const exceptions = new ExceptionsPanel();
const tasks = new TasksPanel();
const logs = new LogsPanel();
const downloads = new DownloadsPanel();
const thresholds = new ThresholdsPanel();
const workers = document.getElementById("panel-workers") ? new WorkersPanel() : null;

const quiet = () => {}; // a failed panel poll: the status poll reports the connection

const tabPollers = {
  stats: null, // the status poller fetches the statistics anyway
  charts: new Poller(
    () => charts.refresh(),
    3000,
    (error) => charts.showError(`Charts: ${describe(error)}`),
  ),
  failures: new Poller(
    async () => {
      await failures.refresh();
      tabCount("count-failures", failures.total); // the badge agrees with the table below it
    },
    2000,
    quiet,
  ),
  exceptions: new Poller(() => exceptions.refresh(), 3000, quiet),
  tasks: new Poller(() => tasks.refresh(), 15000, quiet),
  logs: new Poller(() => logs.refresh(), 2000, quiet),
  downloads: new Poller(() => downloads.refresh(), 15000, quiet),
  workers: workers ? new Poller(() => workers.refresh(), 2000, quiet) : null,
};

for (const panel of document.querySelectorAll("section.extension")) {
  const extension = new ExtensionPanel(panel);
  tabPollers[panel.id.replace("panel-", "")] = new Poller(() => extension.refresh(), 2000, quiet);
}

const statusPoller = new Poller(refreshStatus, STATUS_INTERVAL, (error) => {
  if (error instanceof ApiError && error.status === 401) return; // on the way to /login
  banner.set("connection", `Lost the connection to horde (${describe(error)}); retrying…`);
});

async function refreshStatus() {
  const wantStats = app.view !== "form" || app.status.state !== "ready";
  const [status, stats] = await Promise.all([
    getJSON("/api/v1/status"),
    wantStats ? getJSON("/api/v1/stats") : Promise.resolve(null),
  ]);
  banner.set("connection", null);
  if (!form.filled) form.fill(await getJSON("/api/v1/form"));
  applyStatus(status);
  if (stats) applyStats(stats);
  if (app.view === "dashboard") await thresholds.refresh(status.plan);
}

// -- the top bar --------------------------------------------------------------------------------

const top = {
  host: byId("m-host"),
  state: byId("m-state"),
  users: byId("m-users"),
  ramp: byId("m-ramp"),
  rps: byId("m-rps"),
  fail: byId("m-fail"),
  timeBox: byId("m-time-box"),
  time: byId("m-time"),
  loadBox: byId("m-load-box"),
  load: byId("m-load"),
  edit: byId("btn-edit"),
  stop: byId("btn-stop"),
  reset: byId("btn-reset"),
  newTest: byId("btn-new"),
  back: byId("btn-back"),
};

function applyStatus(status) {
  app.status = status;
  const state = status.state;
  if (status.started_at !== app.startedAt) {
    app.startedAt = status.started_at;
    charts.newRun(status.started_at);
  }
  if (ACTIVE.has(state)) app.wantsForm = false; // a test runs (maybe started by a script)

  setText(top.host, status.host || "(none)");
  top.host.title = status.host || "";
  setText(top.state, STATE_LABELS[state] || state);
  top.state.dataset.state = state;
  const target = status.target_user_count ?? status.user_count;
  const ramping = state === "spawning" && target !== status.user_count;
  const users = fmtInt(status.user_count);
  setText(top.users, ramping ? `${users}/${fmtInt(target)}` : users);
  show(top.ramp, ramping);
  if (ramping) {
    top.ramp.max = Math.max(target, status.user_count, 1);
    top.ramp.value = status.user_count;
  }
  const running = ACTIVE.has(state);
  const started = status.elapsed !== null && status.elapsed !== undefined;
  show(top.timeBox, started && state !== "ready");
  if (started) {
    const limited = status.run_time && state !== "stopped";
    const limit = limited ? ` / ${fmtDuration(status.run_time)}` : "";
    setText(top.time, `${fmtDuration(status.elapsed)}${limit}`);
  }
  const plan = status.plan;
  show(top.loadBox, Boolean(plan) && state !== "ready");
  if (plan) {
    setText(top.load, loadLabel(plan, status));
    top.load.title = plan.description;
  }
  const stopped = state === "stopped" && status.stop_reason;
  banner.set("stopped", stopped ? `Test stopped: ${status.stop_reason}` : null);

  setView(state === "ready" || (state === "stopped" && app.wantsForm) ? "form" : "dashboard");
  show(top.edit, running);
  top.edit.disabled = Boolean(plan && !plan.steerable);
  top.edit.title = (plan && plan.not_steerable) || "";
  show(top.stop, running || state === "stopping");
  top.stop.disabled = state === "stopping";
  show(top.reset, app.view === "dashboard");
  show(top.newTest, state === "stopped" && app.view === "dashboard");
  show(top.back, state === "stopped");
  const label = STATE_LABELS[state] || state;
  document.title = running ? `horde · ${label} · ${users} users` : `horde · ${label}`;
}

function applyStats(stats) {
  app.stats = stats;
  const total = stats.total || {};
  setText(top.rps, fmtRate(total.current_rps || 0));
  setText(top.fail, fmtPercent(total.fail_ratio || 0));
  top.fail.classList.toggle("bad", (total.num_failures || 0) > 0);
  table.update(stats);
  // While the Failures tab is open its own refresh sets the badge, so both show one count.
  if (app.tab !== "failures") tabCount("count-failures", stats.error_count);
  tabCount("count-exceptions", stats.exception_count);
  const warnings = stats.warnings || [];
  banner.set("warning", warnings.length ? warnings.join(" ") : null);
}

function tabCount(id, value) {
  const node = byId(id);
  setText(node, value ? fmtInt(value) : "");
  show(node, Boolean(value));
}

// -- views and tabs -----------------------------------------------------------------------------

function setView(view) {
  if (app.view === view) return;
  const first = app.view === null;
  app.view = view;
  show(byId("loading"), false);
  show(byId("start-view"), view === "form");
  show(byId("dashboard"), view === "dashboard");
  if (view === "form") {
    for (const poller of Object.values(tabPollers)) poller?.stop();
    if (!first) firstField().focus();
  } else {
    activate(app.tab, false);
  }
}

/** The first field of the start form the user can type in (a shape may hide the users). */
function firstField() {
  const fields = ["f-shape", "f-users", "f-host"].map(byId);
  return fields.find((field) => field.offsetParent !== null) || byId("btn-start");
}

const tabButtons = [...document.querySelectorAll("#tabs [role=tab]")];

function activate(tab, focus = false) {
  const button = tabButtons.find((b) => b.dataset.tab === tab) || tabButtons[0];
  app.tab = button.dataset.tab;
  for (const other of tabButtons) {
    const selected = other === button;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    show(byId(other.getAttribute("aria-controls")), selected);
  }
  if (focus) button.focus();
  for (const [name, poller] of Object.entries(tabPollers)) {
    if (!poller) continue;
    if (name === app.tab && app.view === "dashboard") poller.start();
    else poller.stop();
  }
  if (app.tab === "charts") charts.resize();
  if (window.location.hash !== `#${app.tab}`) {
    const where = app.tab === "stats" ? window.location.pathname : `#${app.tab}`;
    window.history.replaceState(null, "", where);
  }
}

for (const button of tabButtons) {
  button.addEventListener("click", () => activate(button.dataset.tab));
  button.addEventListener("keydown", (event) => {
    const index = tabButtons.indexOf(button);
    const moves = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: tabButtons.length - 1,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = (moves[event.key] + tabButtons.length) % tabButtons.length;
    activate(tabButtons[next].dataset.tab, true);
  });
}

// -- commands -----------------------------------------------------------------------------------

function refreshAll() {
  statusPoller.kick();
  tabPollers[app.tab]?.kick();
}

async function command(button, action) {
  button.disabled = true;
  try {
    await action();
    banner.set("connection", null);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      banner.set("connection", `${button.textContent.trim()} failed: ${describe(error)}`);
    }
  } finally {
    button.disabled = false;
    refreshAll();
  }
}

const form = new StartForm((status) => {
  app.wantsForm = false;
  applyStatus(status);
  refreshAll();
});
const edit = new EditDialog((status) => {
  applyStatus(status);
  refreshAll();
});

top.edit.addEventListener("click", () => edit.open(app.status || {}));
top.stop.addEventListener("click", () =>
  command(top.stop, async () => applyStatus(await postJSON("/api/v1/stop"))),
);
top.reset.addEventListener("click", () =>
  command(top.reset, async () => {
    await postJSON("/api/v1/reset");
  }),
);
top.newTest.addEventListener("click", () => {
  app.wantsForm = true;
  applyStatus(app.status);
});
top.back.addEventListener("click", () => {
  app.wantsForm = false;
  applyStatus(app.status);
});

// -- start --------------------------------------------------------------------------------------

async function boot() {
  const hash = window.location.hash.slice(1);
  if (tabButtons.some((b) => b.dataset.tab === hash)) app.tab = hash;
  statusPoller.start();
}

boot();
