// The load part of the start form: the load shape that drives the test (when the locustfile
// has LoadTestShape classes), or the load model (users and ramp, stages, an arrival rate,
// iterations) with the fields it needs, and the thresholds. The server builds one run plan from
// what this sends (build_plan), so the checks and their words are the command line's.

import { byId, el, replaceChildren, setText, show } from "./dom.js";

const HINTS = {
  users: "(peak concurrency)",
  arrival_rate: "(the most users the arrival rate may start; empty: 100)",
};

export class LoadFields {
  constructor() {
    this.shapeField = byId("f-shape-field");
    this.shape = byId("f-shape");
    this.shapeHelp = byId("f-shape-help");
    this.note = byId("f-load-note");
    this.usersField = byId("f-users-field");
    this.usersHint = byId("f-users-hint");
    this.rateField = byId("f-rate-field");
    this.modelShape = byId("f-model-shape");
    this.radios = [...document.querySelectorAll("#f-model-list input[type=radio]")];
    this.groups = [...document.querySelectorAll("#f-model .model-fields")];
    this.inputs = {
      stages: byId("f-stages"),
      arrival_rate: byId("f-arrival"),
      pre_allocated_users: byId("f-pre-allocated"),
      max_lateness: byId("f-max-lateness"),
      iterations: byId("f-iterations"),
      iterations_per_user: byId("f-iterations-per-user"),
    };
    this.thresholds = byId("f-thresholds");
    this.users = byId("f-users");
    this.usersTouched = false;
    this.usersDefault = "";
    this.configuredModel = "users";
    this.shapes = [];
    this.users.addEventListener("input", () => {
      this.usersTouched = true;
    });
    this.shape.addEventListener("change", () => this.update());
    for (const radio of this.radios) {
      radio.addEventListener("change", () => {
        this.untouchedUsers();
        this.update();
      });
    }
  }

  /** Users nobody typed follow the model: an arrival rate's pool defaults to 100 (empty),
   * unless the command line configured the arrival rate (the form then shows its pool). */
  untouchedUsers() {
    if (this.usersTouched) return;
    const arrival = this.mode().model === "arrival_rate";
    this.users.value = arrival && this.configuredModel !== "arrival_rate" ? "" : this.usersDefault;
  }

  /** Fill from /api/v1/form: the shapes (the configured one selected) and the defaults. */
  fill(form) {
    this.shapes = form.shapes || [];
    replaceChildren(
      this.shape,
      this.shapes.map((shape) => el("option", { value: shape.name, text: shape.name })),
      el("option", { value: "", text: "None: users and ramp, or a load model" }),
    );
    this.shape.value = this.shapes.some((s) => s.name === form.shape) ? form.shape : "";
    show(this.shapeField, this.shapes.length > 0);
    for (const [name, input] of Object.entries(this.inputs)) {
      input.value = form[name] ?? "";
    }
    this.thresholds.value = (form.thresholds || []).join("\n");
    const model = form.load_model || "users";
    for (const radio of this.radios) radio.checked = radio.value === model;
    this.configuredModel = model;
    this.usersDefault = String(form.users ?? 1);
    if (model !== "users" || this.thresholds.value) byId("advanced").open = true;
    this.update();
  }

  selectedShape() {
    return this.shapes.find((shape) => shape.name === this.shape.value) || null;
  }

  /** What decides the load: a shape, or a model; and which of users/ramp it reads. */
  mode() {
    const shape = this.selectedShape();
    if (shape) {
      const common = Boolean(shape.use_common_options);
      return { shape, model: null, users: common, rate: common };
    }
    const model = this.radios.find((radio) => radio.checked)?.value || "users";
    return {
      shape: null,
      model,
      users: model !== "stages",
      rate: model !== "stages" && model !== "arrival_rate",
    };
  }

  update() {
    const mode = this.mode();
    show(this.usersField, mode.users);
    this.users.placeholder = mode.model === "arrival_rate" ? "100" : "";
    show(this.rateField, mode.rate);
    setText(this.usersHint, HINTS[mode.model] || HINTS.users);
    const note = explain(mode);
    setText(this.note, note);
    show(this.note, Boolean(note));
    setText(this.shapeHelp, mode.shape ? mode.shape.description : "");
    show(this.shapeHelp, Boolean(mode.shape?.description));
    for (const radio of this.radios) radio.disabled = Boolean(mode.shape);
    setText(
      this.modelShape,
      mode.shape ? `The load shape ${mode.shape.name} decides the load: choose "None" as load shape to use a load model.` : "",
    );
    show(this.modelShape, Boolean(mode.shape));
    for (const group of this.groups) show(group, !mode.shape && group.dataset.model === mode.model);
  }

  /** Add the load to the request body: only the fields the chosen shape or model uses. */
  addTo(data, users, rate) {
    const mode = this.mode();
    if (this.shapes.length) data.shape = this.shape.value;
    if (mode.users && !(mode.model === "arrival_rate" && users === "")) data.user_count = users;
    if (mode.rate) data.spawn_rate = rate;
    const fields = {
      stages: ["stages"],
      arrival_rate: ["arrival_rate", "pre_allocated_users", "max_lateness"],
      iterations: ["iterations"],
      iterations_per_user: ["iterations_per_user"],
    }[mode.model];
    for (const name of fields || []) data[name] = this.inputs[name].value.trim();
    data.thresholds = this.thresholds.value;
    return mode;
  }

  /** A message for a field the chosen model needs but is empty (the server checks the rest). */
  validate(data) {
    const mode = this.mode();
    if (mode.users && mode.model !== "arrival_rate" && data.user_count === "") {
      return "Enter the number of users.";
    }
    if (mode.rate && data.spawn_rate === "") return "Enter the ramp up (users started per second).";
    const needs = {
      stages: "Enter the stages, e.g. 30s:100@10,1m:100,30s:0.",
      arrival_rate: "Enter the arrival rate (iterations started per second), e.g. 50.",
      iterations: "Enter the number of iterations.",
      iterations_per_user: "Enter the number of iterations per user.",
    };
    if (mode.model in needs && !data[mode.model]) return needs[mode.model];
    return null;
  }
}

function explain(mode) {
  if (mode.shape && !mode.shape.use_common_options) {
    return `The load shape ${mode.shape.name} decides the number of users and the ramp up (a run time still ends the test).`;
  }
  if (mode.shape) {
    return `The load shape ${mode.shape.name} drives the test and reads the users and ramp up below.`;
  }
  if (mode.model === "stages") {
    return "The stages (Advanced options) decide the number of users and the ramp up.";
  }
  if (mode.model === "arrival_rate") {
    return "The arrival rate (Advanced options) decides how often iterations start; users start as they are needed.";
  }
  return "";
}
