// ZtStream SOC console: plain DOM, no build step, no inline script or style (it runs under default-src 'self').
// Every value from the API is set with textContent, never as HTML, because alert reasons, ids and evidence carry text
// that originated in monitored traffic; and it is shown with its invisible characters made visible (see visible()).
"use strict";

const state = { token: sessionStorage.getItem("zt.token"), me: null, stream: null };
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const ROLES = ["viewer", "analyst", "responder", "admin"];
const STATUSES = ["open", "acknowledged", "in_progress", "true_positive", "false_positive", "benign"];
const CLOSED = ["true_positive", "false_positive", "benign"];
const SEVERITIES = ["low", "medium", "high", "critical"];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.setAttribute("class", v);
    else node.setAttribute(k, v === true ? "" : SHOWN_ATTRIBUTES.includes(k) ? visible(String(v)) : v);
  }
}

function append(node, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(visible(String(c))));
  }
}

// Characters that show nothing or turn the text after them around: controls, bidi embeddings, overrides, isolates and
// marks, zero-width and joiner characters, fillers, tag characters. In a principal or a reason they let event data pass
// for something else ("alice\u202Etxt.exe" reads "aliceexe.txt", "ad\u200Bmin" reads "admin"), so the console writes
// each as ⟨U+202E⟩. A variation selector is text right after a character it varies (葛 U+845B U+E0100, ❤ U+2764 U+FE0F)
// and written out anywhere else. The tables come from the server (visible-text.js, made from
// src/Platform/HiddenCharacters.cs), so the console and the notifications decide every character alike.
const SHOWN_ATTRIBUTES = ["title", "aria-label"];
function visible(text) {
  let shown = "";
  let previous = -1;
  for (const character of text) {
    const c = character.codePointAt(0);
    shown += hiddenAfter(previous, c) ? "\u27E8U+" + c.toString(16).toUpperCase().padStart(4, "0") + "\u27E9" : character;
    previous = c;
  }
  return shown;
}

// True when c, right after previous (-1 at the start), is written out (HiddenCharacters.IsHiddenAfter).
function hiddenAfter(previous, c) {
  for (const [first, last, bases] of VARIATION_SELECTORS) {
    if (c >= first && c <= last) return !inRuns(bases, previous);
  }
  return inRuns(HIDDEN_CHARACTERS, c);
}

// Whether c is in runs, a sorted list of first and last code points.
function inRuns(runs, c) {
  let lo = 0, hi = runs.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (c < runs[2 * mid]) hi = mid - 1;
    else if (c > runs[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

function authHeaders() {
  return state.token ? { Authorization: "Bearer " + state.token } : {};
}

// A form that creates something (an action, a suppression, a comment) sends an Idempotency-Key with it (docs/response.md):
// the same key for as long as the same request is submitted from the same form, so a double submit, or a submit again
// after an answer that never came, is one action; a new key once an answer came or the request changed.
function submissionKey(form, body) {
  const request = JSON.stringify(body);
  if (!form.idempotency || form.idempotency.request !== request) {
    // getRandomValues, not randomUUID: the console may be served over plain http, where randomUUID does not exist.
    const key = [...crypto.getRandomValues(new Uint8Array(16))].map(b => b.toString(16).padStart(2, "0")).join("");
    form.idempotency = { key, request };
  }
  return form.idempotency.key;
}

async function create(form, path, body) {
  const made = await api("POST", path, body, submissionKey(form, body));
  form.idempotency = null;
  return made;
}

// The 409 of a request whose Idempotency-Key an earlier request of the same submission holds, not yet answered.
async function underWay(res) {
  if (res.status !== 409) return false;
  const problem = await res.clone().json().catch(() => null);
  return !!problem && problem.type === "https://ztstream.io/problems/idempotency-key-in-use";
}

async function api(method, path, body, idempotencyKey) {
  const headers = authHeaders();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // A console session (single sign-on) proves each write with its CSRF token; API tokens need none.
  if (method !== "GET" && state.me && state.me.csrf_token) headers["X-CSRF-Token"] = state.me.csrf_token;
  // A Structured Field String: the key in double quotes (it is hex, so nothing in it needs escaping).
  if (idempotencyKey) headers["Idempotency-Key"] = '"' + idempotencyKey + '"';
  const send = () => fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  let res = await send();
  // The same submission still under way (a double submit): its answer is this one's too, asked for again shortly.
  for (let tries = 0; idempotencyKey && tries < 30 && await underWay(res); tries++) {
    await new Promise(r => setTimeout(r, 1000 * (Number(res.headers.get("Retry-After")) || 1)));
    res = await send();
  }
  if (res.status === 401 && state.me) {
    sessionEnded();
    throw Object.assign(new Error("signed out: the session or token was not accepted"), { signedOut: true });
  }
  const text = await res.text();
  // A proxy in front may answer an error with a page of its own: its status is then the message, not a JSON parse error.
  let data = null;
  try { data = text ? JSON.parse(text) : null; }
  catch { if (res.ok) throw new Error("the answer was not JSON (" + res.status + ")"); }
  // Errors are RFC 9457 problem documents: detail says what went wrong, errors which field.
  if (!res.ok && res.status !== 207) {
    const fields = data && data.errors ? data.errors.map(e => e.field + ": " + e.reason).join("; ") : "";
    throw Object.assign(new Error(fields || (data && (data.detail || data.title)) || res.status + " " + res.statusText), { status: res.status, problem: data });
  }
  return data;
}

// A notice that something was done fades; an error stays until it is dismissed or replaced (by another error or a
// notice), because it must be read, and it is announced to screen readers as it appears (role=alert).
function notice(message) {
  $("notice").textContent = message;
  setTimeout(() => { if ($("notice").textContent === message) $("notice").textContent = ""; }, 4000);
}

function showError(message) {
  if (message) $("notice").textContent = "";
  $("error").replaceChildren(...(message ? [el("span", { "data-testid": "error-text" }, message),
    el("button", { type: "button", "data-testid": "error-dismiss", onclick: () => showError("") }, "Dismiss")] : []));
}

function when(t) { return t ? new Date(t).toLocaleString() : ""; }
function sev(s) { return el("span", { class: "sev sev-" + s, "data-testid": "severity" }, s); }
// A staged rule's alert (docs/rules.md, "Staged rules") is shown for tuning: marked wherever it is listed or opened,
// since nothing acts on it and no one is paged about it.
function stagedMark(a) {
  return a.staged ? el("span", { class: "staged", "data-testid": "staged", title: "staged rule: shown and counted, never acted on or notified about" }, "staged") : null;
}
function techniques(list) {
  return (list || []).map(t => el("a", { class: "technique", "data-testid": "technique", href: "#/alerts?technique=" + encodeURIComponent(t), title: "alerts with " + t }, t));
}
const can = (role) => state.me && ROLES.indexOf(state.me.role) >= ROLES.indexOf(role);
const hashParams = () => new URLSearchParams(location.hash.split("?")[1] || "");

// An action that needs a reason: a small inline form, so nothing depends on browser dialogs. An empty reason is refused
// here as every other refusal is (the message names the field and is announced; the box is marked and focused), not by
// the browser's bubble, which says less and is not announced everywhere. Escape or Cancel closes the form and gives the
// focus back to the button that opened it.
function reasonForm(label, testid, onSubmit) {
  const what = testid.replace(/-/g, " ");
  const input = el("input", { placeholder: "reason", "aria-label": what + ": reason", "aria-required": "true", "data-testid": testid + "-reason" });
  const close = () => { form.hidden = true; open.hidden = false; input.removeAttribute("aria-invalid"); open.focus(); };
  const form = el("form", { class: "inline-form", novalidate: true,
    onkeydown: (e) => { if (e.key === "Escape") { e.preventDefault(); close(); } },
    onsubmit: async (e) => {
      e.preventDefault();
      const reason = input.value.trim();
      if (!reason) {
        input.setAttribute("aria-invalid", "true");
        showError(what + " failed: reason: required, say why (it goes into the audit trail)");
        input.focus();
        return;
      }
      input.removeAttribute("aria-invalid");
      await onSubmit(reason, form);
    } },
    input, el("button", { type: "submit", "data-testid": testid + "-confirm" }, label),
    el("button", { type: "button", "data-testid": testid + "-cancel", onclick: close }, "Cancel"));
  form.hidden = true;
  const open = el("button", { type: "button", "data-testid": testid, onclick: () => { form.hidden = false; open.hidden = true; input.focus(); } }, label);
  return el("span", {}, open, form);
}

// Where the keyboard focus is inside container: the test ids of the focused element and of those around it up to the
// container, outermost first, each with the row id it carries. A redraw replaces the elements, which drops the focus to
// the top of the page, so a keyboard user would start again from the first link; restoreFocus puts it back on the same
// control of the new drawing, or on the nearest thing around it that is still there (a button gone after its change
// leaves the focus on its card or row).
function focusPath(container) {
  const path = [];
  if (!container.contains(document.activeElement)) return path;
  for (let n = document.activeElement; n && n !== container; n = n.parentElement) {
    if (n.dataset && n.dataset.testid) path.unshift([n.dataset.testid, n.dataset.actionId || n.dataset.suppressionId || n.dataset.alertId || ""]);
  }
  return path;
}

function restoreFocus(root, path, fallback) {
  if (!path.length) return;
  let at = null;
  for (const [testid, id] of path) {
    const found = [...(at || root).querySelectorAll(`[data-testid="${CSS.escape(testid)}"]`)]
      .find(n => !n.closest("[hidden]") && (!id || [n.dataset.actionId, n.dataset.suppressionId, n.dataset.alertId].includes(id)));
    if (!found) break;
    at = found;
  }
  at = at || fallback;
  if (!at) return;
  if (!at.matches("a[href], button, input, select, textarea, [tabindex]")) at.setAttribute("tabindex", "-1");
  at.focus();
}

// Runs one change the user asked for. The controls in busy (a button, or every control of a row or form) are disabled
// while its request is in flight, so a second click cannot send it again, and enabled again after, also on failure.
// A request refused because what it changes changed meanwhile (409: a colleague decided, lifted or closed it first) is
// followed by reread(), so the page shows it as it is now rather than offering again what can no longer be done.
async function run(what, fn, busy, reread) {
  const controls = !busy ? [] : busy.matches("button, input, select, textarea") ? [busy] : [...busy.querySelectorAll("button, input, select, textarea")];
  const before = controls.map(c => c.disabled);
  // Disabling the focused button takes the focus away, and the redraw after the change replaces it: noted here, the
  // focus is put back on the same control of the new drawing (or what holds it) once the change is over.
  const focus = focusPath($("view"));
  controls.forEach(c => { c.disabled = true; });
  const errorBefore = $("error").textContent;
  try {
    const done = await fn();
    // This success replaces an earlier error, not one that arose while it ran (the action it approved failed at once).
    if ($("error").textContent === errorBefore) showError("");
    notice(typeof done === "string" ? done : what + ": done");
    return true;
  }
  // A refused session has gone back to sign-in, which says so.
  catch (e) {
    if (e.signedOut) return false;
    if (e.status === 409 && reread) await reread();
    showError(what + " failed: " + e.message);
    return false;
  }
  finally {
    controls.forEach((c, i) => { c.disabled = before[i]; });
    if (!document.activeElement || document.activeElement === document.body) restoreFocus($("view"), focus, null);
  }
}

// ---- sign-in ----
async function signIn(token) {
  state.token = token;
  try {
    state.me = await api("GET", "/v1/me");
  } catch (e) {
    state.token = null;
    state.me = null;
    if (token) $("signin-error").textContent = "Sign-in failed: " + e.message;
    return false;
  }
  if (token) sessionStorage.setItem("zt.token", token);
  return true;
}

async function signOut() {
  $("signin-error").textContent = "";
  const session = state.me && state.me.csrf_token;
  if (session) {
    await fetch("auth/signout", { method: "POST", headers: { "X-CSRF-Token": state.me.csrf_token }, credentials: "same-origin" }).catch(() => {});
  }
  sessionStorage.removeItem("zt.token");
  state.token = null; state.me = null;
  stopStream();
  // Nothing of the signed-out user's pages stays in the document, nor is a draft of theirs offered to the next one.
  $("view").replaceChildren();
  shownHash = null;
  location.hash = "#/signin";
  render();
}

// The API no longer takes the session or token (it expired, was signed out elsewhere, or the token was removed): back to
// sign-in, saying why, rather than a page that looks current and is not.
function sessionEnded() {
  signOut();
  $("signin-error").textContent = "Signed out: the session ended or the token is no longer accepted. Sign in again.";
}

$("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (await signIn($("token").value.trim())) { $("token").value = ""; location.hash = "#/alerts"; render(); }
});

function toggleTheme() {
  const root = document.documentElement;
  const dark = root.classList.contains("theme-dark") || (!root.classList.contains("theme-light") && matchMedia("(prefers-color-scheme: dark)").matches);
  root.classList.remove("theme-light", "theme-dark");
  root.classList.add(dark ? "theme-light" : "theme-dark");
  localStorage.setItem("zt.theme", dark ? "light" : "dark");
}

// ---- live queue: server-sent events read through fetch, so a bearer token works as well as the session cookie ----
function stopStream() {
  if (state.stream) { state.stream.abort(); state.stream = null; }
}

function follow(query, since, onAlert, onState) {
  stopStream();
  const controller = new AbortController();
  state.stream = controller;
  let last = since;
  const connect = async () => {
    while (!controller.signal.aborted) {
      try {
        const res = await fetch("/v1/alerts/stream?" + query, { headers: { ...authHeaders(), "Last-Event-ID": String(last) }, credentials: "same-origin", signal: controller.signal });
        // Refused credentials stay refused: retrying would leave the queue frozen while it looks live.
        if (res.status === 401) { if (!controller.signal.aborted) sessionEnded(); return; }
        if (!res.ok || !res.body) throw new Error("the Responder answered " + res.status);
        onState("");
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "", data = "", id = last;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let nl;
          while ((nl = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, nl).replace(/\r$/, "");
            buffer = buffer.slice(nl + 1);
            if (line === "") { if (data) { last = id; onAlert(JSON.parse(data)); data = ""; } }
            else if (line.startsWith("id: ")) id = Number(line.slice(4));
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
        }
      } catch (e) {
        if (controller.signal.aborted) return;
        // Retrying is right (a restart, a proxy's idle timeout), but not behind a queue that looks live.
        onState("Live updates paused (" + e.message + "); reconnecting…");
      }
      await new Promise(r => setTimeout(r, 2000));
    }
  };
  connect();
}

// ---- charts (SVG drawn here, coloured by the theme's CSS) ----
function severityChart(stats) {
  const w = 600, h = 140, pad = 18, n = stats.buckets.length || 1;
  const max = Math.max(1, ...stats.buckets.map(b => b.low + b.medium + b.high + b.critical));
  const bw = (w - 2 * pad) / n;
  const bars = [];
  stats.buckets.forEach((b, i) => {
    let y = h - pad;
    for (const s of SEVERITIES) {
      if (!b[s]) continue;
      const bh = (b[s] / max) * (h - 2 * pad);
      y -= bh;
      bars.push(svg("rect", { x: (pad + i * bw + 1).toFixed(1), y: y.toFixed(1), width: Math.max(1, bw - 2).toFixed(1), height: bh.toFixed(1), class: "fill-" + s },
        svg("title", {}, new Date(b.start).toLocaleString() + ": " + b[s] + " " + s)));
    }
  });
  const first = stats.buckets[0], lastB = stats.buckets[stats.buckets.length - 1];
  return el("div", { class: "card", "data-testid": "chart-severity" },
    el("h3", {}, "Alerts over time"),
    svg("svg", { class: "chart", viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": "alerts over time by severity" },
      svg("line", { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, class: "axis" }),
      bars,
      svg("text", { x: pad, y: h - 4 }, first ? new Date(first.start).toLocaleString() : ""),
      svg("text", { x: w - pad, y: h - 4, "text-anchor": "end" }, lastB ? new Date(lastB.start).toLocaleString() : ""),
      svg("text", { x: pad, y: 10 }, "max " + max)),
    el("div", { class: "legend" }, SEVERITIES.slice().reverse().map(s => el("span", {}, el("i", { class: s }), s))));
}

function topChart(title, testid, items, filter) {
  const w = 300, row = 18, h = Math.max(1, items.length) * row + 4;
  const max = Math.max(1, ...items.map(i => i.count));
  return el("div", { class: "card", "data-testid": testid },
    el("h3", {}, title),
    items.length ? svg("svg", { class: "chart", viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": title },
      items.map((it, i) => {
        const a = svg("a", { href: "#/alerts?" + filter + "=" + encodeURIComponent(it.name) },
          svg("rect", { x: 150, y: i * row + 3, width: ((it.count / max) * (w - 190)).toFixed(1), height: row - 6, class: "bar" }),
          svg("text", { x: 146, y: i * row + 13, "text-anchor": "end", class: "label" }, it.name.length > 26 ? it.name.slice(0, 25) + "…" : it.name),
          svg("text", { x: 154 + (it.count / max) * (w - 190), y: i * row + 13 }, String(it.count)));
        return a;
      })) : el("p", { class: "muted" }, "none"));
}

function techniqueStrip(items) {
  // A fixed scale (about a pixel per unit at full width), so a few techniques stay small cells rather than filling the card.
  const cell = 84, h = 40;
  const max = Math.max(1, ...items.map(i => i.count));
  const level = (c) => c === 0 ? 0 : Math.min(4, 1 + Math.floor((c / max) * 3.999));
  return el("div", { class: "card", "data-testid": "chart-techniques" },
    el("h3", {}, "ATT&CK techniques"),
    items.length ? svg("svg", { class: "chart", viewBox: `0 0 ${Math.max(cell * items.length, 1400)} ${h}`, role: "img", "aria-label": "ATT&CK technique heat strip" },
      items.map((t, i) => svg("a", { href: "#/alerts?technique=" + encodeURIComponent(t.name) },
        svg("rect", { x: i * cell + 1, y: 1, width: cell - 2, height: h - 2, rx: 3, class: "heat-" + level(t.count) }, svg("title", {}, t.name + ": " + t.count + " alerts")),
        svg("text", { x: i * cell + cell / 2, y: 17, "text-anchor": "middle", class: "label" }, t.name),
        svg("text", { x: i * cell + cell / 2, y: 32, "text-anchor": "middle", class: "label" }, String(t.count)))))
      : el("p", { class: "muted" }, "no techniques on the alerts of this period"));
}

function activityChart(activity) {
  const w = 1400, h = 80, pad = 20;
  const from = new Date(activity.from).getTime(), to = new Date(activity.to).getTime();
  const x = (t) => pad + ((new Date(t).getTime() - from) / Math.max(1, to - from)) * (w - 2 * pad);
  return el("div", { class: "card", "data-testid": "activity" },
    el("h3", {}, "Activity of ", activity.principal, " (", activity.alerts, " alerts, last ", Math.round((to - from) / 3600000), " h)"),
    svg("svg", { class: "chart", viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": "the principal's activity with this alert's events marked" },
      svg("line", { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, class: "axis" }),
      activity.events.map(e => svg("rect", {
        x: (x(e.time) - 1.5).toFixed(1), y: e.this_alert ? 8 : 22, width: 3, height: e.this_alert ? h - pad - 8 : h - pad - 22,
        class: e.this_alert ? "mark" : "other", "data-testid": e.this_alert ? "activity-mark" : "activity-event",
      }, svg("title", {}, new Date(e.time).toLocaleString() + " " + e.kind + " " + e.event_id + " (" + e.alert_id + ")"))),
      svg("text", { x: pad, y: h - 4 }, new Date(from).toLocaleString()),
      svg("text", { x: w - pad, y: h - 4, "text-anchor": "end" }, new Date(to).toLocaleString())),
    el("div", { class: "legend" }, el("span", {}, el("i", { class: "mark" }), "this alert's evidence"), el("span", {}, el("i", { class: "other" }), "other alerts' evidence")));
}

// ---- the queue ----
function queuePictures(stats) {
  return [
    el("div", { class: "charts" },
      severityChart(stats),
      topChart("Top principals", "chart-principals", stats.top_principals, "principal"),
      topChart("Top detectors", "chart-detectors", stats.top_detectors, "detector")),
    techniqueStrip(stats.techniques),
  ];
}

function alertCells(view) {
  const a = view.alert;
  return [
    el("td", { class: "select", onclick: (e) => e.stopPropagation() }, el("input", { type: "checkbox", "data-testid": "select", "aria-label": "select " + a.id })),
    el("td", {}, sev(a.severity), stagedMark(a)),
    // A link as well as the row's click, so the keyboard reaches the alert (Tab, Enter) as the mouse does.
    el("td", { "data-testid": "principal" }, el("a", { href: "#/alerts/" + encodeURIComponent(a.id) }, principalText(a))),
    el("td", {}, a.score),
    el("td", {}, a.detector),
    el("td", {}, (a.reasons[0] || {}).text || ""),
    el("td", { "data-testid": "techniques", onclick: (e) => e.stopPropagation() }, techniques(a.techniques)),
    el("td", {}, a.count),
    el("td", { "data-testid": "status" }, view.status.replace("_", " ")),
    el("td", { "data-testid": "assignee" }, view.assignee || ""),
    el("td", {}, when(a.last_seen)),
  ];
}

// A row keeps the version of the alert it shows: a change asked for from it is decided on that version.
function alertRow(view) {
  return el("tr", { class: "row", "data-testid": "alert-row", "data-alert-id": view.alert.id, "data-version": String(view.version),
    onclick: () => { location.hash = "#/alerts/" + encodeURIComponent(view.alert.id); } }, alertCells(view));
}

async function alertsView(view, mine) {
  const params = hashParams();
  const filters = el("form", { class: "card toolbar", "data-testid": "filters", onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const f of ["status", "severity", "staged", "assignee", "namespace", "cluster", "principal", "detector", "technique"]) {
      let v = e.target[f].value.trim();
      if (f === "assignee" && v === "me") v = state.me.name;
      if (v) q.set(f, v);
    }
    location.hash = "#/alerts?" + q.toString();
  } },
    el("select", { name: "status", "data-testid": "status-filter" }, ["", "open", "acknowledged", "in_progress", "closed", ...CLOSED].map(v => el("option", { value: v }, v ? v.replace("_", " ") : "any status"))),
    el("select", { name: "severity" }, ["", "critical", "high", "medium", "low"].map(v => el("option", { value: v }, v || "any severity"))),
    el("select", { name: "staged", "data-testid": "staged-filter" }, [["", "live and staged rules"], ["false", "live only"], ["true", "staged rules only"]].map(([v, t]) => el("option", { value: v }, t))),
    el("input", { name: "assignee", placeholder: "assignee (me, none)", value: params.get("assignee") || "" }),
    el("input", { name: "namespace", placeholder: "namespace", value: params.get("namespace") || "" }),
    el("input", { name: "cluster", placeholder: "cluster", "data-testid": "cluster-filter", value: params.get("cluster") || "" }),
    el("input", { name: "principal", placeholder: "principal", value: params.get("principal") || "" }),
    el("input", { name: "detector", placeholder: "detector", "data-testid": "detector-filter", value: params.get("detector") || "" }),
    el("input", { name: "technique", placeholder: "ATT&CK technique (T1609)", "data-testid": "technique-filter", value: params.get("technique") || "" }),
    el("button", { type: "submit", "data-testid": "filter" }, "Filter"));
  filters.status.value = params.get("status") || "";
  filters.severity.value = params.get("severity") || "";
  filters.staged.value = params.get("staged") || "";

  const [page, stats] = await Promise.all([api("GET", "/v1/alerts?" + params.toString()), api("GET", "/v1/alerts/stats")]);
  const tbody = el("tbody", {}, page.items.map(alertRow));
  const rows = new Map(page.items.map(v => [v.alert.id, tbody.querySelector(`[data-alert-id="${CSS.escape(v.alert.id)}"]`)]));
  let fresh = 0;
  const counter = el("button", { class: "new-counter", "data-testid": "new-count", hidden: true, onclick: () => {
    fresh = 0; counter.hidden = true; window.scrollTo({ top: 0, behavior: "smooth" });
    tbody.querySelectorAll("tr.new").forEach(r => r.classList.remove("new"));
  } });
  const liveState = el("span", { class: "error", role: "status", "data-testid": "live-state" });
  const empty = el("p", { class: "muted" }, "No alerts.");
  empty.hidden = page.items.length > 0;

  // A change to an alert on the page updates its row in place (keeping its selection); a new one goes on top, and the
  // page scrolls by its height so what the analyst was reading stays where it was.
  // The pictures count the alerts too: after a live change they are read again (at most once a second), so the
  // counts beside the queue are not those of the page's first reading.
  const pictures = el("div", {}, queuePictures(stats));
  let picturesDue = 0;
  const recount = () => {
    if (picturesDue) return;
    picturesDue = setTimeout(async () => {
      picturesDue = 0;
      if (!pictures.isConnected) return;
      try { pictures.replaceChildren(...queuePictures(await api("GET", "/v1/alerts/stats"))); }
      catch (e) {
        if (!e.signedOut) pictures.prepend(el("p", { class: "error", role: "status", "data-testid": "pictures-error" }, "The pictures could not be read again (" + e.message + "); they are older than the queue."));
      }
    }, 1000);
  };

  const onAlert = (v) => {
    recount();
    const existing = rows.get(v.alert.id);
    if (existing) {
      const checked = existing.querySelector("[data-testid=select]").checked;
      existing.replaceChildren(...alertCells(v));
      existing.dataset.version = String(v.version);
      existing.querySelector("[data-testid=select]").checked = checked;
      return;
    }
    if (!matchesTriage(v)) return;
    const row = alertRow(v);
    row.classList.add("new");
    const before = document.documentElement.scrollHeight;
    tbody.prepend(row);
    rows.set(v.alert.id, row);
    if (window.scrollY > 0) window.scrollBy(0, document.documentElement.scrollHeight - before);
    empty.hidden = true;
    fresh++;
    counter.textContent = fresh + " new";
    counter.hidden = false;
  };

  const selected = () => [...tbody.querySelectorAll("[data-testid=select]:checked")].map(c => c.closest("tr"))
    .map(r => ({ id: r.dataset.alertId, version: Number(r.dataset.version) }));
  // Each alert goes with the version its row shows, so a change a colleague made since (not yet drawn here) is not
  // overwritten: the API refuses that alert. The alerts changed are updated in place; those refused as changed since
  // are read again and drawn as they are now; every alert not changed is named, whatever the change.
  const bulkChange = async (what, change) => {
    const items = selected();
    if (!items.length) return showError("select alerts first");
    await run(what.replace("{n}", items.length), async () => {
      let r;
      try { r = await api("POST", "/v1/alerts/bulk", { items, ...change }); }
      catch (e) {
        // None changed: a problem document listing each alert refused, read as a 207's list is.
        if (!(e.problem && typeof e.problem.type === "string" && e.problem.type.endsWith("/bulk-refused"))) throw e;
        r = { changed: [], errors: e.problem.errors };
      }
      r.changed.forEach(onAlert);
      // An alert refused as changed since carries the version it is at now (current_version): its row is read again
      // unless the live queue has drawn it at that version already.
      const refusedStale = r.errors.filter(x => typeof x.current_version === "number");
      const other = r.errors.filter(x => typeof x.current_version !== "number");
      const stale = refusedStale.map(x => items[x.index].id);
      for (const x of refusedStale) {
        const id = items[x.index].id, row = rows.get(id);
        if (!row || Number(row.dataset.version) !== x.current_version) onAlert((await api("GET", "/v1/alerts/" + encodeURIComponent(id))).alert);
      }
      const said = [];
      if (stale.length) said.push(stale.length + " changed by someone else since the page showed them, drawn again as they are now (decide on them again): " + stale.join(", "));
      if (other.length) said.push(other.length + " not changed: " + other.map(x => x.reason).join("; "));
      if (said.length) throw new Error(said.join("; "));
    }, bulk);
  };
  const bulk = can("analyst") ? el("div", { class: "toolbar", "data-testid": "bulk" },
    el("span", { class: "muted" }, "Selected:"),
    ["acknowledged", "in_progress", "benign"].map(s => el("button", { type: "button", "data-testid": "bulk-" + s,
      onclick: () => bulkChange("mark {n} " + s, { status: s, note: s === "benign" ? "closed in bulk" : undefined }) }, s.replace("_", " "))),
    el("button", { type: "button", "data-testid": "bulk-assign-me", onclick: () => bulkChange("assign {n} to me", { assignee: state.me.name }) }, "assign to me")) : null;

  // A page that could not be read says why and offers the same page again; a refused session has already gone back to
  // sign-in (api), so there is nothing to retry.
  let cursor = page.next_cursor;
  const moreError = el("span", { class: "error", role: "alert", "data-testid": "more-error" });
  const more = el("button", { type: "button", "data-testid": "more", onclick: async () => {
    const q = hashParams(); q.set("cursor", cursor);
    more.disabled = true;
    try {
      const next = await api("GET", "/v1/alerts?" + q.toString());
      for (const v of next.items) { const r = alertRow(v); tbody.append(r); rows.set(v.alert.id, r); }
      cursor = next.next_cursor; more.hidden = !cursor;
      moreError.textContent = ""; more.textContent = "Load more";
    } catch (e) {
      if (e.signedOut) return;
      moreError.textContent = "Could not load more alerts: " + e.message;
      more.textContent = "Retry";
    } finally { more.disabled = false; }
  } }, "Load more");
  more.hidden = !cursor;

  view.append(
    el("div", { class: "toolbar" }, el("h2", { class: "grow" }, "Alerts"), liveState, counter),
    pictures,
    filters,
    bulk,
    el("table", { "data-testid": "alerts" },
      el("thead", {}, el("tr", {}, ["", "Severity", "Principal", "Score", "Detector", "Top reason", "ATT&CK", "Count", "Status", "Assignee", "Last seen"].map(h => el("th", {}, h)))),
      tbody),
    empty, el("div", { class: "toolbar" }, more, moreError));
  // Status and assignee change under triage: the stream leaves them out, so a row on the page that changes is updated
  // (showing its new status) rather than dropped, and only new alerts are held to them, here.
  const matchesTriage = (v) => {
    const status = params.get("status"), assignee = params.get("assignee");
    if (status && !(status === "closed" ? CLOSED.includes(v.status) : v.status === status)) return false;
    if (assignee && !(assignee === "none" ? !v.assignee : v.assignee === assignee)) return false;
    return true;
  };
  const live = new URLSearchParams(params);
  for (const k of ["cursor", "limit", "status", "assignee"]) live.delete(k);
  // A newer render may have started while this one waited for the API; only the current one follows the stream.
  if (mine === generation) follow(live.toString(), page.version, onAlert, (message) => { liveState.textContent = message; });
}

// ---- one alert ----
const REVOCATIONS = ["revoke_token", "revoke_subject_sessions"];
// A revocation that may have entries on the list: done, or failed after the list took them (another revoker failed).
const liftable = (a) => REVOCATIONS.includes(a.kind) && (a.state === "done" || a.state === "failed");

// The actions whose revocation entries are still on the list (not lifted, not expired): only those offer a lift, and a
// failed one without any says so to everyone. Each action's entries are asked for by its id, not found in the whole
// list, which grows with every revocation.
async function revocationsInForce(actions) {
  const inForce = new Map();
  for (const a of actions.filter(a => liftable(a) && (can("responder") || a.state === "failed"))) {
    const entries = (await api("GET", `/v1/revocations?action_id=${encodeURIComponent(a.id)}`)).revocations;
    if (entries.length) inForce.set(a.id, entries);
  }
  return inForce;
}

function actionButtons(a, inForce, reread, cell) {
  if (!can("responder")) return [];
  // After any of them the action is read again (and followed while its drivers work), so its row says what happened.
  // A refusal (409: another responder decided first) is followed by the action as it is now, too.
  const act = (verb, body) => () => run(verb + " " + a.kind, async () => {
    try { await api("POST", `/v1/actions/${a.id}/${verb}`, body); } finally { await reread(a.id); }
  }, cell);
  const buttons = [];
  if (a.state === "pending_approval") {
    buttons.push(el("button", { "data-testid": "approve", onclick: act("approve") }, "Approve"));
    buttons.push(reasonForm("Reject", "reject", (reason, form) => run("reject " + a.kind, async () => {
      try { await api("POST", `/v1/actions/${a.id}/reject`, { reason }); } finally { await reread(a.id); }
    }, form)));
  }
  if (a.state === "active") {
    buttons.push(reasonForm("Release", "release", (reason, form) => run("release", async () => { await api("POST", `/v1/actions/${a.id}/release`, { reason }); await reread(a.id); }, form, () => reread(a.id))));
    buttons.push(el("button", { "data-testid": "extend", onclick: act("extend", {}) }, "Extend"));
  }
  if (liftable(a)) {
    // Every entry this action put on the list is lifted by one request, in one commit: all of them or none.
    const entries = inForce.get(a.id) || [];
    if (entries.length) {
      buttons.push(reasonForm("Lift revocation", "lift-revocation", (reason, form) => run("lift revocation", async () => {
        try { await api("POST", `/v1/actions/${a.id}/lift`, { reason }); } finally { await reread(a.id); }
      }, form)));
    } else if (a.state === "done") {
      buttons.push(el("span", { class: "muted", "data-testid": "revocation-not-in-force" }, "not in force (lifted or expired)"));
    }
  }
  return buttons;
}

// A revocation that failed with nothing of it on the list: said in its row, with the drivers' reason, for every role, so
// the row does not look like one waiting for a lift (or like a revocation in force) with no word of what happened.
function revocationFailedNote(a, inForce) {
  if (!(REVOCATIONS.includes(a.kind) && a.state === "failed") || inForce.has(a.id)) return [];
  return [el("span", { class: "error", "data-testid": "revocation-failed" },
    "Revocation failed: " + (a.error || "no reason recorded") + ". Nothing of it is on the revocation list, so there is nothing to lift.")];
}

function actionRow(a, inForce, reread) {
  const cell = el("td");
  cell.append(...revocationFailedNote(a, inForce), ...actionButtons(a, inForce, reread, cell));
  return el("tr", { "data-testid": "action-row", "data-action-id": a.id },
    el("td", {}, a.kind), el("td", {}, a.target), el("td", {}, a.mode),
    el("td", { "data-testid": "action-state" }, a.state),
    el("td", {}, a.decision),
    el("td", {}, when(a.expires_at || a.approval_expires_at)),
    el("td", { class: a.error ? "error" : "", "data-testid": "action-detail" }, a.error || a.detail || ""),
    cell);
}

// States in which the drivers are still at work.
const UNDER_WAY = ["queued", "dispatched", "releasing"];

// The actions as they are now, not as they were at the click: after a button, and while any action shown is under way,
// they are read again (list(), and each shown one the list no longer holds, such as an approved action on the
// "pending approval" page) and the rows that changed are redrawn; the others keep what is typed in them. A new action
// (the release of an isolation) goes on top. One that fails is also reported as an error, with the drivers' reason.
function actionsPanel(actions, inForce, list) {
  const mine = generation;
  const tbody = el("tbody");
  const shown = new Map();
  const trouble = el("p", { class: "error", role: "alert", "data-testid": "actions-error" });
  let timer = 0, delay = 1000;
  const draw = (a, entries) => {
    const row = actionRow(a, entries, reread);
    const old = shown.get(a.id);
    const focus = old ? focusPath(old.row) : [];
    if (old) old.row.replaceWith(row); else tbody.prepend(row);
    restoreFocus(row, focus, row);
    shown.set(a.id, { row, action: a, json: JSON.stringify(a) });
  };
  const follow = () => {
    clearTimeout(timer);
    if ([...shown.values()].some(s => UNDER_WAY.includes(s.action.state))) timer = setTimeout(reread, delay);
  };
  async function reread(clicked) {
    clearTimeout(timer);
    // Not on the page: not yet (its render still waits for the API), or never again (the page moved on).
    if (!tbody.isConnected) { if (mine === generation) timer = setTimeout(reread, delay); return; }
    try {
      const now = new Map((await list()).map(a => [a.id, a]));
      for (const id of shown.keys()) if (!now.has(id)) now.set(id, await api("GET", "/v1/actions/" + encodeURIComponent(id)));
      const changed = [...now.values()].filter(a => a.id === clicked || !shown.has(a.id) || shown.get(a.id).json !== JSON.stringify(a));
      const entries = await revocationsInForce(changed);
      for (const a of changed) {
        const was = shown.get(a.id);
        draw(a, entries);
        if (a.state === "failed" && was && was.action.state !== "failed") showError(a.kind + " on " + a.target + " failed: " + (a.error || "no reason given"));
      }
      trouble.textContent = "";
      // Quick while something changes, slower while the drivers take their time.
      delay = changed.length || clicked ? 1000 : Math.min(delay * 2, 10000);
    } catch (e) {
      if (e.signedOut) return;
      trouble.textContent = "Could not read the actions again (" + e.message + "); retrying…";
      delay = Math.min(delay * 2, 10000);
      timer = setTimeout(reread, delay);
      return;
    }
    follow();
  }
  [...actions].reverse().forEach(a => draw(a, inForce));
  follow();
  return el("div", {}, trouble,
    el("table", { "data-testid": "actions" },
      el("thead", {}, el("tr", {}, ["Kind", "Target", "Mode", "State", "Why", "Expires", "Detail / error", ""].map(h => el("th", {}, h)))),
      tbody));
}

// A row's narrow and lift are decided on the version it shows: a suppression changed since is refused (409) and drawn again.
function suppressionsTable(items, refresh) {
  return el("table", { "data-testid": "suppressions" },
    el("thead", {}, el("tr", {}, ["Scope", "Rules", "For", "Until", "By", "State", ""].map(h => el("th", {}, h)))),
    el("tbody", {}, items.map(s => el("tr", { "data-testid": "suppression-row", "data-suppression-id": s.id },
      el("td", {}, s.scope.replace("_", " ")),
      el("td", { class: "fields" }, s.rules.join(", ")),
      el("td", { "data-testid": "suppression-for" }, s.principal === "*" ? (s.namespace ? "everyone in " + s.namespace : "everyone") : s.principal + (s.resource_class ? " on " + s.resource_class : ""),
        // A suppression made in one cluster holds there only: say which, so staging's is not read as prod's; "*" is one a
        // responder made to hold in every cluster on purpose.
        s.cluster === "*" ? " in every cluster (asked for)" : s.cluster ? " in cluster " + s.cluster : ""),
      el("td", {}, when(s.expires_at)),
      el("td", {}, s.created_by, s.alert_id ? [" from ", el("a", { href: "#/alerts/" + encodeURIComponent(s.alert_id) }, s.alert_id)] : ""),
      el("td", { "data-testid": "suppression-state" }, s.state, s.lift_reason ? " (" + s.lift_reason + ")" : ""),
      el("td", {}, s.state === "active" && can("analyst") ? [
        s.rules.length > 1 ? el("select", { "data-testid": "narrow", onchange: async (e) => {
          const keep = e.target.value; if (!keep) return;
          await run("narrow to " + keep, async () => { await api("PATCH", "/v1/suppressions/" + encodeURIComponent(s.id), { rules: [keep], version: s.version }); await refresh(); }, e.target.closest("td"), refresh);
        } }, el("option", { value: "" }, "narrow to…"), s.rules.map(r => el("option", { value: r }, r))) : null,
        reasonForm("Lift", "lift-suppression", (reason, form) => run("lift suppression", async () => {
          await api("DELETE", "/v1/suppressions/" + encodeURIComponent(s.id) + "?reason=" + encodeURIComponent(reason) + "&version=" + s.version); await refresh();
        }, form, refresh)),
      ] : null)))));
}

function evidenceTable(a) {
  if (!a.evidence || !a.evidence.length) return el("ul", { "data-testid": "evidence" }, a.evidence_event_ids.map(e => el("li", {}, e)));
  const rows = [];
  for (const e of a.evidence) {
    const raw = e.raw !== undefined && e.raw !== null
      ? el("button", { type: "button", "data-testid": "raw-toggle", onclick: (ev) => {
          const next = ev.target.closest("tr").nextElementSibling; next.hidden = !next.hidden;
        } }, "raw")
      : e.raw_omitted_bytes ? el("span", { class: "muted" }, "raw: " + e.raw_omitted_bytes + " B, not kept") : "";
    rows.push(el("tr", { "data-testid": "evidence-row", "data-event-id": e.event_id },
      el("td", {}, when(e.time)), el("td", {}, e.kind), el("td", {}, e.subject || ""), el("td", {}, e.workload || ""),
      el("td", {}, e.resource || ""), el("td", {}, e.action || ""), el("td", {}, e.outcome || ""), el("td", {}, e.source || ""),
      el("td", { class: "fields" }, Object.entries(e.fields || {}).map(([k, v]) => el("div", {}, k + " = " + v))),
      el("td", {}, raw)));
    if (e.raw !== undefined && e.raw !== null) {
      const tr = el("tr", { "data-testid": "raw" }, el("td", { colspan: 10 }, el("pre", { class: "raw" }, JSON.stringify(e.raw, null, 2))));
      tr.hidden = true;
      rows.push(tr);
    }
  }
  return el("table", { "data-testid": "evidence" },
    el("thead", {}, el("tr", {}, ["Time", "Kind", "Subject", "Workload", "Resource", "Action", "Outcome", "Source", "Fields its reasons used", ""].map(h => el("th", {}, h)))),
    el("tbody", {}, rows));
}

function triageControls(d, refresh) {
  const a = d.alert.alert, status = d.alert.status;
  if (!can("analyst")) return null;
  const id = encodeURIComponent(a.id);
  const note = el("input", { placeholder: "note (needed to reopen a closed alert)", "data-testid": "status-note", "data-draft": "status-note" });
  const setStatus = (s) => () => run("mark " + s.replace("_", " "), async () => {
    await api("POST", `/v1/alerts/${id}/status`, { status: s, note: note.value.trim() || undefined, version: d.alert.version }); note.value = ""; await refresh();
  }, card, refresh);
  const buttons = [];
  if (status === "open") buttons.push(el("button", { "data-testid": "ack", onclick: setStatus("acknowledged") }, "Acknowledge"));
  if (status === "open" || status === "acknowledged") buttons.push(el("button", { "data-testid": "start", onclick: setStatus("in_progress") }, "In progress"));
  for (const s of CLOSED) if (status !== s) buttons.push(el("button", { "data-testid": "close-" + s, onclick: setStatus(s) }, s.replace("_", " ")));
  if (CLOSED.includes(status)) buttons.push(el("button", { "data-testid": "reopen", onclick: setStatus("open") }, "Reopen"));
  const assignee = el("input", { placeholder: "assignee", "data-testid": "assignee-input", value: d.alert.assignee || "" });
  const assign = (who) => run(who ? "assign to " + who : "unassign", async () => { await api("POST", `/v1/alerts/${id}/assign`, { assignee: who || null, version: d.alert.version }); await refresh(); }, card, refresh);
  const comment = el("textarea", { rows: 2, placeholder: "comment", "data-testid": "comment-text", "data-draft": "comment" });
  const card = el("div", { class: "card", "data-testid": "triage", tabindex: "-1", "aria-label": "triage" },
    el("div", { class: "toolbar" }, buttons, note),
    el("div", { class: "toolbar" },
      el("form", { class: "inline-form", onsubmit: (e) => { e.preventDefault(); assign(assignee.value.trim()); } }, assignee, el("button", { type: "submit", "data-testid": "assign" }, "Assign")),
      el("button", { type: "button", "data-testid": "assign-me", onclick: () => assign(state.me.name) }, "Assign to me")),
    el("form", { class: "toolbar", onsubmit: async (e) => {
      e.preventDefault();
      await run("comment", async () => { await create(e.target, `/v1/alerts/${id}/comments`, { text: comment.value }); comment.value = ""; await refresh(); }, card);
    } }, comment, el("button", { type: "submit", "data-testid": "comment" }, "Comment")));
  return card;
}

// A suppression from this alert without closing it: which of its rules, for whom, for how long. The wider scopes and
// "any rule" are offered to responders only (the API refuses them to analysts anyway).
function suppressForm(a, refresh) {
  if (!can("analyst")) return null;
  const responder = can("responder");
  const own = [...new Set(a.reasons.map(r => r.detector + "/" + r.rule))];
  const rules = el("select", { multiple: true, size: Math.min(4, own.length + (responder ? 1 : 0)), "data-testid": "suppress-rules" },
    own.map(r => el("option", { value: r, selected: true }, r)), responder ? el("option", { value: "*" }, "* (any rule)") : null);
  const scopes = [["resource_class", "this principal, " + (a.resource_class || "this class")], ["principal", "this principal, any class"]];
  if (responder) scopes.push(["namespace", "everyone in " + ((a.target_workload || a.workload || {}).namespace || "its namespace")], ["everyone", "everyone"]);
  const scope = el("select", { "data-testid": "suppress-scope" }, scopes.map(([v, label]) => el("option", { value: v }, label)));
  // Empty days is the Responder's default (Responder:VerdictSuppression), which the API applies when no expiry is sent;
  // anything else must be a whole number of days within the 90 the API allows, or it is refused here, naming the field,
  // rather than sent as a moment that is not what was typed (an empty box used to be sent as "expires now").
  const fallback = Math.round(state.me.suppression_days * 10) / 10;
  const days = el("input", { inputmode: "numeric", size: 10, placeholder: fallback + " (default)", "data-testid": "suppress-days", "data-draft": "suppress-days",
    "aria-label": "days", "aria-describedby": "suppress-days-hint" });
  const hint = el("span", { id: "suppress-days-hint", class: "muted", "data-testid": "suppress-days-hint" }, "days (1–90; empty: " + fallback + ")");
  const note = el("input", { placeholder: "why", "data-testid": "suppress-note", "data-draft": "suppress-note" });
  // A suppression from an alert on an identity of one cluster holds in that cluster; a responder may make it hold in every
  // cluster ("*"), which the API audits as such. Offered only where the alert names a cluster.
  const clusterOf = a.principal_cluster || (a.target_workload || a.workload || {}).cluster;
  const everywhere = responder && clusterOf ? el("input", { type: "checkbox", "data-testid": "suppress-every-cluster", id: "suppress-every-cluster" }) : null;
  const everywhereLabel = everywhere ? el("label", { for: "suppress-every-cluster" }, "in every cluster, not only " + clusterOf) : null;
  const form = el("form", { class: "card toolbar", "data-testid": "suppress", onsubmit: async (e) => {
    e.preventDefault();
    const typed = days.value.trim();
    if (typed && !(/^[0-9]+$/.test(typed) && Number(typed) >= 1 && Number(typed) <= 90)) {
      days.setAttribute("aria-invalid", "true");
      showError("suppress failed: days: must be a whole number from 1 to 90, or empty for the default (" + fallback + " days), not \"" + typed + "\"");
      days.focus();
      return;
    }
    days.removeAttribute("aria-invalid");
    const expires = typed ? new Date(Date.now() + Number(typed) * 86400000).toISOString() : undefined;
    await run("suppress", async () => {
      await create(form, "/v1/suppressions", { alert_id: a.id, rules: [...rules.selectedOptions].map(o => o.value), scope: scope.value, expires_at: expires, note: note.value.trim() || undefined,
        cluster: everywhere && everywhere.checked ? "*" : undefined });
      note.value = ""; days.value = ""; if (everywhere) everywhere.checked = false;
      await refresh();
    }, form);
  } }, el("span", {}, "Suppress"), rules, scope, el("span", {}, "for"), days, hint, everywhere, everywhereLabel, note, el("button", { type: "submit", "data-testid": "suppress-create" }, "Suppress"));
  return form;
}

async function alertDetailView(view, id) {
  const [d, activity] = await Promise.all([
    api("GET", "/v1/alerts/" + encodeURIComponent(id)),
    api("GET", "/v1/alerts/" + encodeURIComponent(id) + "/activity?hours=6"),
  ]);
  const inForce = await revocationsInForce(d.actions);
  const a = d.alert.alert;
  const refresh = () => render();
  view.append(
    el("h2", { "data-testid": "alert-title" }, sev(a.severity), " ", stagedMark(a), a.staged ? " " : null, principalText(a), " — score ", a.score),
    el("div", { class: "card" },
      a.staged ? el("p", { class: "muted", "data-testid": "staged-note" }, "Raised by staged rules only: the response policy never acts on it and no one is notified. Promote the rule once it has proved itself.") : null,
      el("p", {}, "Detector ", a.detector, a.resource_class ? " · " + a.resource_class : "", " · seen ", a.count, "× · first ", when(a.first_seen), " · last ", when(a.last_seen)),
      el("p", {}, "Status: ", el("strong", { "data-testid": "alert-status" }, d.alert.status.replace("_", " ")), d.alert.verdict_by ? " by " + d.alert.verdict_by : "",
        " · Assignee: ", el("strong", { "data-testid": "alert-assignee" }, d.alert.assignee || "none")),
      el("p", { "data-testid": "alert-techniques" }, "ATT&CK: ", (a.techniques || []).length ? techniques(a.techniques) : "none",
        (a.tactics || []).length ? " · tactics " + a.tactics.join(", ") : ""),
      el("p", { class: "muted", "data-testid": "alert-workloads" }, [a.subject_id && "subject " + a.subject_id, a.workload && "workload " + workloadText(a.workload),
        a.target_workload && "target " + workloadText(a.target_workload),
        a.token && a.token.jti && "token " + a.token.jti].filter(Boolean).join(" · "))),
    triageControls(d, refresh),
    el("h3", {}, "Why it fired"),
    el("table", { "data-testid": "reasons" }, el("tbody", {}, a.reasons.map(r =>
      el("tr", {}, el("td", {}, r.detector + "/" + r.rule, ruleRevision(r)), el("td", {}, "+" + r.score), el("td", {}, r.text, credits(r)),
        el("td", { "data-testid": "reason-techniques" }, techniques(r.techniques)))))),
    activityChart(activity),
    el("h3", {}, "Evidence"),
    evidenceTable(a),
    el("h3", {}, "Suppressions from this alert"),
    d.suppressions.length ? suppressionsTable(d.suppressions, refresh) : el("p", { class: "muted" }, "None."),
    suppressForm(a, refresh),
    el("h3", {}, "Actions"),
    d.actions.length ? actionsPanel(d.actions, inForce, async () => api("GET", "/v1/actions?limit=1000&alert_id=" + encodeURIComponent(a.id))) : el("p", { class: "muted" }, "No actions."),
    el("h3", {}, "History"),
    el("table", { "data-testid": "history" }, el("tbody", {}, d.history.map(h =>
      el("tr", { class: h.change === "comment" ? "comment" : "" }, el("td", {}, when(h.at)), el("td", {}, h.change), el("td", {}, h.status.replace("_", " ")),
        el("td", {}, h.actor || ""), el("td", {}, h.detail || ""))))));
}

// Which text of a rule file raised the reason: its revision and file, so the rule's history finds it after a change.
function ruleRevision(reason) {
  if (!reason.rule_revision) return "";
  return el("div", { class: "muted", "data-testid": "reason-revision" }, "revision " + reason.rule_revision,
    reason.rule_file ? " · " + reason.rule_file : "");
}

// Who a rule file's match is owed to (its author, licence and references), shown only when the file names any:
// the Detection Rule License asks that views of a rule's matches keep its author.
function credits(reason) {
  const shown = (reason.credits || []).filter(c => c.author || c.license || (c.references || []).length);
  if (!shown.length) return "";
  return el("div", { class: "muted", "data-testid": "reason-credits" }, shown.map(c => el("div", {},
    "Rule ", el("strong", {}, c.title), " (" + c.id + ")",
    c.author ? " by " + c.author : "",
    c.license ? el("span", {}, " · licence ", c.license_url && /^https:\/\//.test(c.license_url)
      ? el("a", { href: c.license_url, rel: "noopener noreferrer", target: "_blank" }, c.license) : c.license) : "",
    (c.references || []).length ? el("span", {}, " · references ", (c.references || []).map((u, i) =>
      el("span", {}, i ? ", " : "", /^https?:\/\//.test(u) ? el("a", { href: u, rel: "noopener noreferrer", target: "_blank" }, u) : u))) : "")));
}

async function suppressionsView(view) {
  const params = hashParams();
  if (!params.has("state")) params.set("state", "active");
  const items = await api("GET", "/v1/suppressions?" + params.toString());
  view.append(el("h2", {}, "Suppressions"),
    el("p", {}, ["active", "expired", "lifted", "all"].map(s => el("a", { class: "spaced", href: "#/suppressions?state=" + s }, s))),
    items.length ? suppressionsTable(items, () => render()) : el("p", { class: "muted" }, "None."));
}

// An alert's principal, with the cluster it is an identity of: a service account, node or pod exists once per cluster,
// and system:serviceaccount:ci:deployer of staging is not production's.
function principalText(a) {
  return a.principal + (a.principal_cluster ? " in cluster " + a.principal_cluster : "");
}

// A workload as the alert names it, with its cluster: prod/api in two clusters is two workloads, and an action acts in
// the named one only.
function workloadText(w) {
  return (w.namespace ? w.namespace + "/" : "") + (w.name || w.id) + (w.cluster ? " in cluster " + w.cluster : "");
}

async function actionsView(view) {
  const params = hashParams();
  const actions = await api("GET", "/v1/actions?" + params.toString());
  view.append(el("h2", {}, "Actions"),
    el("p", {}, ["pending_approval", "active", "failed", ""].map(s => el("a", { class: "spaced", href: "#/actions" + (s ? "?state=" + s : "") }, s || "all"))),
    actionsPanel(actions, await revocationsInForce(actions), async () => api("GET", "/v1/actions?" + params.toString())));
}

function triggerView(view) {
  if (!can("responder")) { view.append(el("p", {}, "Triggering actions needs the responder role.")); return; }
  const field = (name, label) => el("label", {}, el("span", {}, label), el("input", { name }));
  const form = el("form", { class: "card", "data-testid": "trigger-form", onsubmit: async (e) => {
    e.preventDefault();
    const body = { kind: form.kind.value };
    for (const k of ["jti", "session_id", "subject_id", "workload_id", "namespace", "name", "cluster", "reason"]) if (form[k].value.trim()) body[k] = form[k].value.trim();
    // Not a number would be sent as null, which is the policy's default TTL: an isolation of another length than typed.
    const ttl = form.ttl_seconds.value.trim();
    if (ttl && !/^[0-9]+$/.test(ttl)) { showError("trigger failed: Isolation TTL (s) must be a whole number of seconds, not \"" + ttl + "\""); form.ttl_seconds.focus(); return; }
    if (ttl) body.ttl_seconds = Number(ttl);
    if (await run("trigger", async () => { const a = await create(form, "/v1/actions", body); return "triggered " + a.kind + " on " + a.target; }, form)) location.hash = "#/actions";
  } },
    el("label", {}, el("span", {}, "Action"), el("select", { name: "kind" },
      ["revoke_token", "revoke_subject_sessions", "isolate_workload"].map(k => el("option", { value: k }, k)))),
    field("jti", "Token id (jti)"), field("session_id", "Session id"), field("subject_id", "Subject id"),
    field("workload_id", "Workload id"), field("namespace", "Namespace"), field("name", "Workload name"), field("cluster", "Cluster"),
    field("ttl_seconds", "Isolation TTL (s)"), field("reason", "Reason"),
    el("button", { type: "submit" }, "Trigger"));
  view.append(el("h2", {}, "Trigger an action"), form);
}

async function auditView(view) {
  const params = hashParams();
  if (!params.has("limit")) params.set("limit", "200");
  const entries = await api("GET", "/v1/audit?" + params.toString());
  view.append(el("h2", {}, "Audit trail"),
    el("table", { "data-testid": "audit" },
      el("thead", {}, el("tr", {}, ["When", "Kind", "Actor", "Summary", "Action", "Alert"].map(h => el("th", {}, h)))),
      el("tbody", {}, entries.map(e => el("tr", {}, el("td", {}, when(e.at)), el("td", {}, e.kind), el("td", {}, e.actor),
        el("td", {}, e.summary), el("td", {}, e.action_id || ""), el("td", {}, e.alert_id || ""))))));
}

let generation = 0;
let shownHash = null;

async function render() {
  // Sign-in and hash changes can start renders that overlap; only the latest one may fill the page.
  const mine = ++generation;
  stopStream();
  const signedIn = !!state.me;
  $("signin").hidden = signedIn;
  $("view").hidden = !signedIn;
  $("nav").hidden = !signedIn;
  $("nav").querySelector("[data-testid=nav-trigger]").hidden = !can("responder");
  const who = $("who");
  who.replaceChildren(el("button", { type: "button", "data-testid": "theme", onclick: toggleTheme, title: "light or dark theme" }, "◐"));
  if (!signedIn) return;
  who.append(el("span", { "data-testid": "me" }, state.me.name + " (" + state.me.role + ")"), el("button", { onclick: signOut, "data-testid": "signout" }, "Sign out"));
  const view = el("div");
  const route = location.hash.replace(/^#/, "").split("?")[0] || "/alerts";
  try {
    if (route.startsWith("/alerts/")) await alertDetailView(view, decodeURIComponent(route.slice(8)));
    else if (route === "/suppressions") await suppressionsView(view);
    else if (route === "/actions") await actionsView(view);
    else if (route === "/trigger") triggerView(view);
    else if (route === "/audit") await auditView(view);
    else await alertsView(view, mine);
  } catch (e) {
    if (e.signedOut) return;
    view.append(el("p", { class: "error", role: "alert", "data-testid": "view-error" }, e.message));
  }
  if (mine !== generation) return;
  // The same page drawn again after a change keeps what was typed and not yet sent (a comment being written when
  // Acknowledge is clicked); another page starts empty.
  const drafts = shownHash === location.hash ? [...$("view").querySelectorAll("[data-draft]")].filter(f => f.value).map(f => [f.dataset.draft, f.value]) : [];
  for (const [name, value] of drafts) {
    const field = view.querySelector(`[data-draft="${CSS.escape(name)}"]`);
    if (field) field.value = value;
  }
  const focus = shownHash === location.hash ? focusPath($("view")) : [];
  $("view").replaceChildren(view);
  restoreFocus(view, focus, null);
  shownHash = location.hash;
}

window.addEventListener("hashchange", render);
(async () => {
  // A token in this tab, else a console session cookie from single sign-on, else the sign-in page.
  if (!(state.token && await signIn(state.token)) && !(await signIn(null))) {
    try {
      const config = await (await fetch("auth/config", { credentials: "same-origin" })).json();
      $("sso").hidden = !config.sso;
    } catch { /* no single sign-on */ }
  }
  render();
})();
