// ZtStream SOC console: plain DOM, no build step. Every value from the API is set with textContent, never as HTML,
// because alert reasons and ids carry text that originated in monitored traffic.
"use strict";

const state = { token: sessionStorage.getItem("zt.token"), me: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + state.token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) { signOut(); throw new Error("signed out: the token was not accepted"); }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  // Errors are RFC 9457 problem documents: detail says what went wrong, title what kind of error it is.
  if (!res.ok) throw new Error((data && (data.detail || data.title)) || res.status + " " + res.statusText);
  return data;
}

function flash(message) {
  $("flash").textContent = message;
  setTimeout(() => { if ($("flash").textContent === message) $("flash").textContent = ""; }, 4000);
}

function when(t) { return t ? new Date(t).toLocaleString() : ""; }
function sev(s) { return el("span", { class: "sev sev-" + s, "data-testid": "severity" }, s); }
// ATT&CK technique ids as links that filter the queue by that technique (and its sub-techniques).
function techniques(list) {
  return (list || []).map(t => el("a", { class: "technique", "data-testid": "technique", href: "#/alerts?technique=" + encodeURIComponent(t), title: "alerts with " + t }, t));
}
const isResponder = () => state.me && state.me.role === "responder";

// ---- sign-in ----
async function signIn(token) {
  state.token = token;
  try {
    state.me = await api("GET", "/v1/me");
  } catch (e) {
    state.token = null;
    $("signin-error").textContent = "Sign-in failed: " + e.message;
    return false;
  }
  sessionStorage.setItem("zt.token", token);
  return true;
}

function signOut() {
  sessionStorage.removeItem("zt.token");
  state.token = null; state.me = null;
  location.hash = "#/signin";
  render();
}

$("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (await signIn($("token").value.trim())) { $("token").value = ""; location.hash = "#/alerts"; render(); }
});

// ---- views ----
async function alertsView(view) {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const filters = el("form", { class: "card", onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const f of ["status", "severity", "principal", "technique"]) { const v = e.target[f].value.trim(); if (v) q.set(f, v); }
    location.hash = "#/alerts?" + q.toString();
  } },
    el("select", { name: "status" }, ["", "open", "true_positive", "false_positive"].map(v => el("option", { value: v }, v || "any status"))),
    el("select", { name: "severity" }, ["", "critical", "high", "medium", "low"].map(v => el("option", { value: v }, v || "any severity"))),
    el("input", { name: "principal", placeholder: "principal", value: params.get("principal") || "" }),
    el("input", { name: "technique", placeholder: "ATT&CK technique (T1609)", "data-testid": "technique-filter", value: params.get("technique") || "" }),
    el("button", { type: "submit", "data-testid": "filter" }, "Filter"));
  filters.status.value = params.get("status") || "";
  filters.severity.value = params.get("severity") || "";
  const page = await api("GET", "/v1/alerts?" + params.toString());
  const rows = page.items.map(({ alert, status }) => el("tr", { class: "row", "data-testid": "alert-row", "data-alert-id": alert.id,
      onclick: () => { location.hash = "#/alerts/" + encodeURIComponent(alert.id); } },
    el("td", {}, sev(alert.severity)),
    el("td", { "data-testid": "principal" }, alert.principal),
    el("td", {}, alert.score),
    el("td", {}, alert.detector),
    el("td", {}, (alert.reasons[0] || {}).text || ""),
    el("td", { "data-testid": "techniques", onclick: (e) => e.stopPropagation() }, techniques(alert.techniques)),
    el("td", {}, alert.count),
    el("td", {}, status),
    el("td", {}, when(alert.last_seen))));
  view.append(el("h2", {}, "Alerts"), filters,
    el("table", { "data-testid": "alerts" },
      el("thead", {}, el("tr", {}, ["Severity", "Principal", "Score", "Detector", "Top reason", "ATT&CK", "Count", "Status", "Last seen"].map(h => el("th", {}, h)))),
      el("tbody", {}, rows)),
    rows.length ? null : el("p", { class: "muted" }, "No alerts."));
}

function actionButtons(a, refresh) {
  if (!isResponder()) return [];
  const act = (verb, body) => async () => {
    try { await api("POST", `/v1/actions/${a.id}/${verb}`, body); flash(verb + " " + a.kind + ": done"); await refresh(); }
    catch (e) { flash(verb + " failed: " + e.message); }
  };
  const buttons = [];
  if (a.state === "pending_approval") {
    buttons.push(el("button", { "data-testid": "approve", onclick: act("approve") }, "Approve"));
    buttons.push(el("button", { "data-testid": "reject", onclick: act("reject", {}) }, "Reject"));
  }
  if (a.state === "active") {
    buttons.push(el("button", { "data-testid": "release", onclick: act("release") }, "Release"));
    buttons.push(el("button", { "data-testid": "extend", onclick: act("extend", {}) }, "Extend"));
  }
  return buttons;
}

function actionsTable(actions, refresh) {
  return el("table", { "data-testid": "actions" },
    el("thead", {}, el("tr", {}, ["Kind", "Target", "Mode", "State", "Why", "Expires", "Detail / error", ""].map(h => el("th", {}, h)))),
    el("tbody", {}, actions.map(a => el("tr", { "data-testid": "action-row", "data-action-id": a.id },
      el("td", {}, a.kind), el("td", {}, a.target), el("td", {}, a.mode),
      el("td", { "data-testid": "action-state" }, a.state),
      el("td", {}, a.decision),
      el("td", {}, when(a.expires_at || a.approval_expires_at)),
      el("td", { class: a.error ? "error" : "" }, a.error || a.detail || ""),
      el("td", {}, actionButtons(a, refresh))))));
}

async function alertDetailView(view, id) {
  const d = await api("GET", "/v1/alerts/" + encodeURIComponent(id));
  const a = d.alert.alert;
  const refresh = () => render();
  const verdict = (v) => async () => {
    try { await api("POST", `/v1/alerts/${encodeURIComponent(a.id)}/verdict`, { verdict: v }); flash("marked " + v); await refresh(); }
    catch (e) { flash("verdict failed: " + e.message); }
  };
  const related = await api("GET", "/v1/alerts?limit=20&principal=" + encodeURIComponent(a.principal));
  view.append(
    el("h2", { "data-testid": "alert-title" }, sev(a.severity), " ", a.principal, " — score ", a.score),
    el("div", { class: "card" },
      el("p", {}, "Detector ", a.detector, a.resource_class ? " · " + a.resource_class : "", " · seen ", a.count, "× · first ", when(a.first_seen), " · last ", when(a.last_seen)),
      el("p", {}, "Status: ", el("strong", { "data-testid": "alert-status" }, d.alert.status), d.alert.verdict_by ? " by " + d.alert.verdict_by : ""),
      el("p", { "data-testid": "alert-techniques" }, "ATT&CK: ", (a.techniques || []).length ? techniques(a.techniques) : "none",
        (a.tactics || []).length ? " · tactics " + a.tactics.join(", ") : ""),
      el("button", { "data-testid": "verdict-tp", onclick: verdict("true_positive") }, "True positive"), " ",
      el("button", { "data-testid": "verdict-fp", onclick: verdict("false_positive") }, "False positive")),
    el("h3", {}, "Why it fired"),
    el("table", { "data-testid": "reasons" }, el("tbody", {}, a.reasons.map(r =>
      el("tr", {}, el("td", {}, r.detector + "/" + r.rule), el("td", {}, "+" + r.score), el("td", {}, r.text),
        el("td", { "data-testid": "reason-techniques" }, techniques(r.techniques)))))),
    el("h3", {}, "Evidence"),
    el("ul", { "data-testid": "evidence" }, a.evidence_event_ids.map(e => el("li", {}, e))),
    el("p", { class: "muted" }, [a.subject_id && "subject " + a.subject_id, a.workload && "workload " + (a.workload.namespace ? a.workload.namespace + "/" : "") + (a.workload.name || a.workload.id), a.token && a.token.jti && "token " + a.token.jti].filter(Boolean).join(" · ")),
    el("h3", {}, "Actions"),
    d.actions.length ? actionsTable(d.actions, refresh) : el("p", { class: "muted" }, "No actions."),
    el("h3", {}, "History"),
    el("table", { "data-testid": "history" }, el("tbody", {}, d.history.map(h =>
      el("tr", {}, el("td", {}, when(h.at)), el("td", {}, h.change), el("td", {}, "count " + h.count + ", score " + h.score), el("td", {}, h.status), el("td", {}, h.actor || ""), el("td", {}, h.detail || ""))))),
    el("h3", {}, "Timeline of ", a.principal),
    el("table", { "data-testid": "timeline" }, el("tbody", {}, related.items.map(r =>
      el("tr", { class: "row", onclick: () => { location.hash = "#/alerts/" + encodeURIComponent(r.alert.id); } },
        el("td", {}, when(r.alert.last_seen)), el("td", {}, sev(r.alert.severity)), el("td", {}, (r.alert.reasons[0] || {}).text || ""), el("td", {}, r.status))))));
}

async function actionsView(view) {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const actions = await api("GET", "/v1/actions?" + params.toString());
  view.append(el("h2", {}, "Actions"),
    el("p", {}, ["pending_approval", "active", "failed", ""].map(s => el("a", { href: "#/actions" + (s ? "?state=" + s : ""), style: "margin-right:1rem" }, s || "all"))),
    actionsTable(actions, () => render()));
}

function triggerView(view) {
  if (!isResponder()) { view.append(el("p", {}, "Triggering actions needs the responder role.")); return; }
  const field = (name, label) => el("label", {}, el("span", {}, label), el("input", { name }));
  const form = el("form", { class: "card", "data-testid": "trigger-form", onsubmit: async (e) => {
    e.preventDefault();
    const body = { kind: form.kind.value };
    for (const k of ["jti", "session_id", "subject_id", "workload_id", "namespace", "name", "reason"]) if (form[k].value) body[k] = form[k].value;
    if (form.ttl_seconds.value) body.ttl_seconds = Number(form.ttl_seconds.value);
    try { const a = await api("POST", "/v1/actions", body); flash("triggered " + a.kind + " on " + a.target); location.hash = "#/actions"; }
    catch (err) { flash("trigger failed: " + err.message); }
  } },
    el("label", {}, el("span", {}, "Action"), el("select", { name: "kind" },
      ["revoke_token", "revoke_subject_sessions", "isolate_workload"].map(k => el("option", { value: k }, k)))),
    field("jti", "Token id (jti)"), field("session_id", "Session id"), field("subject_id", "Subject id"),
    field("workload_id", "Workload id"), field("namespace", "Namespace"), field("name", "Workload name"),
    field("ttl_seconds", "Isolation TTL (s)"), field("reason", "Reason"),
    el("button", { type: "submit" }, "Trigger"));
  view.append(el("h2", {}, "Trigger an action"), form);
}

async function auditView(view) {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  if (!params.has("limit")) params.set("limit", "200");
  const entries = await api("GET", "/v1/audit?" + params.toString());
  view.append(el("h2", {}, "Audit trail"),
    el("table", { "data-testid": "audit" },
      el("thead", {}, el("tr", {}, ["When", "Kind", "Actor", "Summary", "Action", "Alert"].map(h => el("th", {}, h)))),
      el("tbody", {}, entries.map(e => el("tr", {}, el("td", {}, when(e.at)), el("td", {}, e.kind), el("td", {}, e.actor),
        el("td", {}, e.summary), el("td", {}, e.action_id || ""), el("td", {}, e.alert_id || ""))))));
}

let generation = 0;

async function render() {
  // Sign-in and hash changes can start renders that overlap; only the latest one may fill the page.
  const mine = ++generation;
  const signedIn = !!state.me;
  $("signin").hidden = signedIn;
  $("view").hidden = !signedIn;
  $("nav").hidden = !signedIn;
  const who = $("who");
  who.replaceChildren();
  if (!signedIn) return;
  who.append(el("span", { "data-testid": "me" }, state.me.name + " (" + state.me.role + ")"), el("button", { onclick: signOut }, "Sign out"));
  const view = el("div");
  const route = location.hash.replace(/^#/, "").split("?")[0] || "/alerts";
  try {
    if (route.startsWith("/alerts/")) await alertDetailView(view, decodeURIComponent(route.slice(8)));
    else if (route === "/actions") await actionsView(view);
    else if (route === "/trigger") triggerView(view);
    else if (route === "/audit") await auditView(view);
    else await alertsView(view);
  } catch (e) {
    view.append(el("p", { class: "error" }, e.message));
  }
  if (mine === generation) $("view").replaceChildren(view);
}

window.addEventListener("hashchange", render);
(async () => {
  if (state.token && !(await signIn(state.token))) state.token = null;
  render();
})();
