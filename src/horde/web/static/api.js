// The JSON API client (see openapi.json) and the pollers that drive the page.

/** The --web-base-path prefix ("" or e.g. "/horde"); every URL starts with it. */
export const BASE = (document.body.dataset.basePath || "").replace(/\/+$/, "");

/**
 * This process's CSRF token, from the page: state-changing requests send it back as
 * X-CSRF-Token (another site's page cannot read it, so it cannot send it).
 */
const CSRF_TOKEN = document.querySelector('meta[name="csrf-token"]')?.content || "";

export function url(path) {
  return BASE + path;
}

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** Send the browser to the login form (the session expired or the server restarted). */
function toLogin() {
  const next = encodeURIComponent(`${BASE}/`);
  window.location.assign(`${url("/login")}?next=${next}`);
}

async function handle(response) {
  if (response.status === 401) {
    toLogin();
    throw new ApiError("login required", 401);
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const message = (data && (data.error || data.message)) || `HTTP ${response.status}`;
    throw new ApiError(message, response.status);
  }
  return data;
}

export async function getJSON(path) {
  const response = await fetch(url(path), {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
    cache: "no-store",
  });
  return handle(response);
}

export async function postJSON(path, body = {}) {
  const response = await fetch(url(path), {
    method: "POST",
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-CSRF-Token": CSRF_TOKEN,
    },
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
  return handle(response);
}

/**
 * Runs `task` every `interval` ms while started, one call at a time (the next one is
 * scheduled when the previous finished), and not at all while the browser tab is hidden.
 * `kick()` runs it now (a button was pressed, the tab became visible).
 */
export class Poller {
  constructor(task, interval, onError = () => {}) {
    this.task = task;
    this.interval = interval;
    this.onError = onError;
    this.running = false;
    this.busy = false;
    this.again = false;
    this.timer = null;
    Poller.all.add(this);
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.kick();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = null;
  }

  async kick() {
    if (!this.running) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = null;
    if (document.hidden) return; // resumed by the visibilitychange listener
    this.busy = true;
    try {
      await this.task();
    } catch (error) {
      this.onError(error);
    } finally {
      this.busy = false;
    }
    if (!this.running) return;
    if (this.again) {
      this.again = false;
      this.kick();
      return;
    }
    this.timer = setTimeout(() => this.kick(), this.interval);
  }
}

Poller.all = new Set();

document.addEventListener("visibilitychange", () => {
  if (document.hidden) return;
  for (const poller of Poller.all) {
    if (poller.running && poller.timer === null && !poller.busy) poller.kick();
  }
});
