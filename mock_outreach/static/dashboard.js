// The QA dashboard: reads and drives the mock's JSON control routes under /__mock__/.
"use strict";

const TOKEN = document.querySelector('meta[name="control-token"]')?.content || "";
const PREFERRED_COLUMNS = ["name", "firstName", "lastName", "emails", "email", "title", "subject",
  "state", "action", "direction", "outcome", "dueAt", "createdAt", "updatedAt"];
const view = { org: null, type: null, clockEpoch: null, users: new Map() };

// -- plumbing -----------------------------------------------------------------------------------
async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (TOKEN) headers.Authorization = `Bearer ${TOKEN}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = data?.errors?.[0];
    throw new Error(`${response.status}: ${error?.detail || error?.title || data?.error
      || response.statusText}`);
  }
  return data;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node[key] = value;
  }
  node.append(...children.flat().map((c) => (c instanceof Node ? c : String(c ?? ""))));
  return node;
}

function toast(message, kind = "ok") {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.className = kind;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, kind === "error" ? 8000 : 3000);
}

// Run an action from a button or form; report failures instead of throwing into the console.
function act(fn) {
  return async (event) => {
    event?.preventDefault?.();
    try { await fn(event); } catch (error) { toast(error.message, "error"); }
  };
}

function table(id, columns, rows, rowProps = () => ({})) {
  const head = el("thead", {}, el("tr", {}, columns.map((c) => el("th", {}, c.title))));
  const body = el("tbody", {}, rows.map((row) => el("tr", rowProps(row),
    columns.map((c) => el("td", { className: c.className || "" }, c.cell(row))))));
  if (!rows.length) {
    body.append(el("tr", {}, el("td", { colSpan: columns.length, className: "empty" }, "none")));
  }
  document.getElementById(id).replaceChildren(head, body);
}

// Bodies recorded as JSON text (journal, deliveries) read better as nested JSON.
function expandBodies(value) {
  if (Array.isArray(value)) return value.map(expandBodies);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => {
    if (key === "body" && typeof item === "string") {
      try { return [key, JSON.parse(item)]; } catch { return [key, item]; }
    }
    return [key, expandBodies(item)];
  }));
}

function showJson(title, data) {
  document.getElementById("viewer-title").textContent = title;
  document.getElementById("viewer-body").textContent = JSON.stringify(expandBodies(data), null, 2);
  document.getElementById("viewer").showModal();
}

function badge(text, kind = text) {
  return el("span", { className: `badge ${kind}` }, text);
}

function isoTime(epoch) {
  return epoch == null ? "—" : new Date(epoch * 1000).toISOString().replace(".000Z", "Z");
}

function shortValue(value) {
  if (value === null || value === undefined || value === "") return "—";
  const text = Array.isArray(value) ? value.join(", ") : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function formValues(form) {
  const values = {};
  for (const [name, raw] of new FormData(form)) {
    const input = form.elements[name];
    if (raw === "" || input.closest("label")?.hidden || input.hidden) continue;
    values[name] = input.type === "number" ? Number(raw) : raw;
  }
  return values;
}

// -- overview -----------------------------------------------------------------------------------
function showClock(clock) {
  view.clockEpoch = clock.epoch;
  document.getElementById("clock-now").textContent = clock.now;
  const frozen = document.getElementById("clock-frozen");
  frozen.textContent = clock.frozen ? "frozen" : "running";
  frozen.className = `badge ${clock.frozen ? "warn" : "active"}`;
}

async function loadOverview() {
  const health = await call("GET", "/__mock__/health");
  const status = document.getElementById("health-status");
  status.textContent = health.status;
  status.className = `badge ${health.status === "ok" ? "active" : "error"}`;
  document.getElementById("health-dataset").textContent = health.dataset;
  document.getElementById("health-orgs").textContent = health.orgs;
  showClock(health.clock);
}

async function postClock(body) {
  showClock(await call("POST", "/__mock__/clock", body));
  await loadTokens();
}

// -- data ---------------------------------------------------------------------------------------
async function loadOrgs() {
  const { orgs } = await call("GET", "/__mock__/orgs");
  const picker = document.getElementById("org-picker");
  if (!orgs.some((o) => o.id === view.org)) view.org = orgs[0]?.id ?? null;
  picker.replaceChildren(...orgs.map((o) => el("option",
    { value: o.id, selected: o.id === view.org }, `${o.id} · ${o.name}`)));
  const { users } = await call("GET", "/__mock__/users");
  view.users = new Map(users.map((u) => [u.id, u.email]));
  document.getElementById("user-emails").replaceChildren(
    ...users.map((u) => el("option", { value: u.email })));
}

async function loadCounts() {
  const chips = document.getElementById("type-counts");
  if (view.org === null) { chips.replaceChildren("no org"); return; }
  const { counts } = await call("GET", `/__mock__/records?org=${view.org}`);
  chips.replaceChildren(...Object.entries(counts).map(([type, count]) => el("button", {
    type: "button", className: `chip${type === view.type ? " selected" : ""}`,
    dataset: { type }, onclick: act(() => showType(type)),
  }, el("span", {}, type), el("b", {}, count))));
  if (view.type) await loadRecords();
}

async function showType(type) {
  view.type = type;
  await loadCounts();
}

function recordColumns(records) {
  const names = new Set(records.flatMap((r) => Object.keys(r.attributes)));
  const chosen = PREFERRED_COLUMNS.filter((n) => names.has(n)).slice(0, 6);
  return [
    { title: "id", className: "num", cell: (r) => el("a", {
      href: recordUrl(r.id), className: "json-link", title: "raw JSON", textContent: r.id,
      onclick: act(async () => showJson(`${r.type} ${r.id}`, await call("GET", recordUrl(r.id)))),
    }) },
    ...chosen.map((n) => ({ title: n, cell: (r) => shortValue(r.attributes[n]) })),
  ];
}

function recordUrl(id) {
  return `/__mock__/records/${view.type}/${id}?org=${view.org}`;
}

async function loadRecords() {
  const url = `/__mock__/records/${view.type}?org=${view.org}&page%5Bsize%5D=50`;
  const { data } = await call("GET", url);
  const title = document.getElementById("records-title");
  title.hidden = false;
  title.replaceChildren(`${view.type} — first ${data.length} in org ${view.org} `,
    el("a", { href: url, textContent: "raw JSON", onclick: act(async () =>
      showJson(`${view.type} page`, await call("GET", url))) }));
  table("records-table", recordColumns(data), data);
}

// -- tokens -------------------------------------------------------------------------------------
function expiresIn(epoch) {
  if (view.clockEpoch === null) return isoTime(epoch);
  const seconds = Math.round(epoch - view.clockEpoch);
  if (Math.abs(seconds) < 60) return "now";
  const span = Math.abs(seconds) >= 3600 ? `${(Math.abs(seconds) / 3600).toFixed(1)} h`
    : `${Math.round(Math.abs(seconds) / 60)} min`;
  return seconds > 0 ? `in ${span}` : `${span} ago`;
}

async function tokenAction(kind, token) {
  const result = await call("POST", `/__mock__/tokens/${kind}`, { token_id: token.id });
  toast(`Token ${token.id}: ${kind === "expire" ? result.expired : result.revoked} ${kind}d`);
  await loadOverview();
  await loadTokens();
}

function tokenButtons(token) {
  const buttons = [];
  if (token.kind === "access" && token.state === "active") {
    buttons.push(el("button", { type: "button", className: "small", dataset: { act: "expire" },
      onclick: act(() => tokenAction("expire", token)) }, "Expire now"));
  }
  if (token.state !== "revoked") {
    buttons.push(el("button", { type: "button", className: "small danger",
      dataset: { act: "revoke" }, onclick: act(() => tokenAction("revoke", token)) }, "Revoke"));
  }
  return el("div", { className: "row tight" }, buttons);
}

async function loadTokens() {
  const { tokens } = await call("GET", "/__mock__/tokens");
  table("tokens-table", [
    { title: "id", cell: (t) => t.id, className: "num" },
    { title: "kind", cell: (t) => t.kind },
    { title: "user", cell: (t) => view.users.get(t.user_id) || `#${t.user_id}` },
    { title: "org", cell: (t) => t.org_id, className: "num" },
    { title: "app", cell: (t) => t.client_id || "—" },
    { title: "scopes", cell: (t) => el("span", { title: t.scopes.join(" ") },
      `${t.scopes.length} scopes`) },
    { title: "expires", cell: (t) => el("span", { title: isoTime(t.expires_at) },
      expiresIn(t.expires_at)) },
    { title: "state", cell: (t) => badge(t.state) },
    { title: "", cell: tokenButtons },
  ], tokens.slice().reverse(), (t) => ({ dataset: { tokenId: t.id, state: t.state } }));
}

async function mint(event) {
  const pair = await call("POST", "/__mock__/tokens", formValues(event.target));
  document.getElementById("minted").hidden = false;
  document.getElementById("minted-access").value = pair.access_token;
  document.getElementById("minted-refresh").value = pair.refresh_token;
  toast("Token pair minted");
  await loadTokens();
}

// -- faults -------------------------------------------------------------------------------------
function syncFaultForm() {
  const action = document.getElementById("fault-action").value;
  document.getElementById("fault-status").closest("label").hidden = action !== "status";
  document.getElementById("fault-latency").closest("label").hidden = action !== "latency_ms";
}

async function loadFaults() {
  const { faults } = await call("GET", "/__mock__/faults");
  table("faults-table", [
    { title: "id", cell: (f) => f.id, className: "num" },
    { title: "method", cell: (f) => f.method || "any" },
    { title: "path", cell: (f) => el("code", {}, f.path) },
    { title: "user", cell: (f) => f.user_id ?? "any" },
    { title: "action", cell: (f) => [f.action, f.status ? ` ${f.status}` : "",
      f.latency_ms != null ? ` ${f.latency_ms} ms` : ""].join("") },
    { title: "times", cell: (f) => f.times ?? "∞", className: "num" },
    { title: "probability", cell: (f) => f.probability ?? 1, className: "num" },
    { title: "fired", cell: (f) => f.fired, className: "num" },
    { title: "", cell: (f) => el("button", { type: "button", className: "small danger",
      onclick: act(async () => {
        await call("DELETE", `/__mock__/faults/${f.id}`);
        await loadFaults();
      }) }, "Delete") },
  ], faults, (f) => ({ dataset: { faultId: f.id } }));
}

async function addFault(event) {
  const fault = await call("POST", "/__mock__/faults", formValues(event.target));
  toast(`Fault ${fault.id} added`);
  await loadFaults();
}

// -- journal ------------------------------------------------------------------------------------
async function loadJournal() {
  const params = new URLSearchParams({ limit: "200" });
  for (const [name, value] of Object.entries(formValues(document.getElementById("journal-form")))) {
    params.set(name, value);
  }
  const { entries } = await call("GET", `/__mock__/journal?${params}`);
  table("journal-table", [
    { title: "at (mock clock)", cell: (e) => isoTime(e.at), className: "mono" },
    { title: "method", cell: (e) => e.method },
    { title: "path", cell: (e) => el("code", {}, e.path + (e.query ? `?${e.query}` : "")) },
    { title: "status", cell: (e) => (e.status === null ? badge("dropped", "error")
      : badge(String(e.status), e.status < 400 ? "active" : "error")) },
    { title: "user", cell: (e) => (e.user_id ? view.users.get(e.user_id) || `#${e.user_id}` : "—") },
    { title: "ms", cell: (e) => e.duration_ms.toFixed(1), className: "num" },
  ], entries, (e) => ({ className: "clickable", dataset: { path: e.path, status: e.status ?? "" },
    onclick: () => showJson(`${e.method} ${e.path}`, e) }));
}

// -- webhook deliveries ---------------------------------------------------------------------------
async function loadDeliveries() {
  const status = document.getElementById("deliveries-status").value;
  const query = status ? `?status=${encodeURIComponent(status)}` : "";
  const { deliveries } = await call("GET", `/__mock__/webhooks/deliveries${query}`);
  table("deliveries-table", [
    { title: "id", cell: (d) => d.id, className: "num" },
    { title: "event", cell: (d) => d.event_name },
    { title: "resource", cell: (d) => `${d.resource.type} ${d.resource.id}` },
    { title: "webhook", cell: (d) => el("span", { title: d.url || "" }, `#${d.webhook_id}`) },
    { title: "status", cell: (d) => badge(d.status) },
    { title: "attempts", cell: (d) => d.attempt_count, className: "num" },
    { title: "response", cell: (d) => d.response_status ?? d.error ?? "—" },
    { title: "created", cell: (d) => d.created_at ?? "—", className: "mono" },
    { title: "", cell: (d) => el("div", { className: "row tight" },
      el("button", { type: "button", className: "small", onclick: act(() =>
        showJson(`delivery ${d.id}`, d)) }, "Details"),
      el("button", { type: "button", className: "small", dataset: { act: "redeliver" },
        onclick: act(async () => {
          const copy = await call("POST", `/__mock__/webhooks/deliveries/${d.id}/redeliver`);
          toast(`Delivery ${d.id} queued again as ${copy.id}`);
          await loadDeliveries();
        }) }, "Redeliver")) },
  ], deliveries, (d) => ({ dataset: { deliveryId: d.id, status: d.status } }));
}

// -- wiring -------------------------------------------------------------------------------------
async function refreshAll() {
  await loadOverview();
  await loadOrgs();
  await Promise.all([loadCounts(), loadTokens(), loadFaults(), loadJournal(), loadDeliveries()]);
}

function on(id, event, handler) {
  document.getElementById(id).addEventListener(event, act(handler));
}

function wire() {
  on("refresh-all", "click", refreshAll);
  on("clock-freeze", "click", () => postClock({ freeze: true }));
  on("clock-unfreeze", "click", () => postClock({ freeze: false }));
  on("clock-advance-form", "submit", () => postClock({
    advance: Number(document.getElementById("clock-advance-seconds").value) }));
  on("reset", "click", async () => {
    if (!window.confirm("Reset all data, tokens, faults and the journal?")) return;
    await call("POST", "/__mock__/reset");
    toast("Reset done");
    await refreshAll();
  });
  on("seed-dataset", "change", (event) => {
    const generated = event.target.value === "generated";
    document.getElementById("seed-prospects").hidden = !generated;
    document.getElementById("seed-seed").hidden = !generated;
  });
  on("seed-form", "submit", async (event) => {
    const values = formValues(event.target);
    if (values.dataset === "generated") delete values.dataset;
    await call("POST", "/__mock__/seed", values);
    toast("Seeded");
    await refreshAll();
  });
  on("org-picker", "change", (event) => { view.org = Number(event.target.value); return loadCounts(); });
  on("mint-form", "submit", mint);
  on("fault-action", "change", syncFaultForm);
  on("fault-form", "submit", addFault);
  on("faults-clear", "click", async () => {
    await call("DELETE", "/__mock__/faults");
    await loadFaults();
  });
  on("journal-form", "submit", loadJournal);
  on("deliveries-form", "submit", loadDeliveries);
  on("deliveries-run", "click", async () => {
    const { handled } = await call("POST", "/__mock__/webhooks/run", {});
    toast(`Delivered ${handled}`);
    await loadDeliveries();
  });
  on("viewer-close", "click", () => document.getElementById("viewer").close());
  let timer = null;
  on("auto-refresh", "change", (event) => {
    clearInterval(timer);
    if (event.target.checked) timer = setInterval(act(refreshAll), 5000);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  wire();
  syncFaultForm();
  act(refreshAll)().then(() => { document.body.dataset.ready = "true"; });
});
