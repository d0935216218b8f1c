/* multipolar dashboard: plain JavaScript over the JSON API (/docs lists it) and plotly.js
   served by the same server. Text from the server is always inserted as text, never as HTML. */
"use strict";

const S = { info: null, evidence: null, view: null, run: null, runs: [], polling: null,
            limits: null, tab: "fan", cmp: {}, playing: null };
const $ = (id) => document.getElementById(id);
const QS = ["p05", "p25", "median", "p75", "p95"];
const BLUE = "47,109,181";

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v);
  }
  for (const kid of kids) if (kid !== null && kid !== undefined)
    e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return e;
}

async function api(path, opts = {}) {
  const r = await fetch(path, { credentials: "same-origin", ...opts,
    headers: { "Content-Type": "application/json", ...(opts.headers || {}) } });
  const body = r.headers.get("content-type")?.includes("json") ? await r.json() : await r.text();
  if (!r.ok) {
    let msg = `${r.status}`;
    if (body && typeof body.detail === "string") msg = body.detail + (body.fix ? `\nfix: ${body.fix}` : "");
    else if (body && Array.isArray(body.detail))
      msg = body.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("\n");
    throw new Error(msg);
  }
  return body;
}

function setStatus(text, error = false) {
  const s = $("status");
  s.textContent = text;
  s.className = error ? "error" : "";
}

const fmt = (x, d = 2) => (x === null || x === undefined ? "–" : Number(x).toFixed(d));
const pretty = (s) => String(s || "").replace(/_/g, " ");
const cap = (s) => { const t = s.replace(/\beu\b/g, "EU"); return t.charAt(0).toUpperCase() + t.slice(1); };

/* ------------------------------------------------------------------ form */

async function loadScenario(keepLevers = false, preset = null) {
  const name = $("scenario").value;
  const p = new URLSearchParams();
  if ($("perspective").value) p.set("perspective", $("perspective").value);
  if ($("hypothesis").value) p.set("hypothesis", $("hypothesis").value);
  const info = await api(`/api/scenarios/${encodeURIComponent(name)}?${p}`);
  const first = !S.info || S.info.name !== info.name;
  S.info = info;
  if (first) {
    fillSelect($("perspective"), [["", "base scenario (no overlay)"],
      ...info.perspectives.map((x) => [x.name, `${pretty(x.name)} — ${x.holder || ""}`])], "");
    fillSelect($("hypothesis"), info.hypotheses.map((x) => [x.name, pretty(x.name)]),
      info.default_hypothesis || "");
    describeScenario(info);
    $("start").value = info.time.start;
    $("end").value = info.time.end;
    document.querySelectorAll("#obs-year, .obs-year").forEach((e) => (e.textContent = info.time.observed_until));
    S.evidence = await api(`/api/scenarios/${encodeURIComponent(name)}/evidence`);
    renderEvidenceList();
  }
  if (preset) {
    // show the settings of the run on screen: overlays, years, levers, oil
    let again = false;
    if (($("perspective").value || null) !== (preset.perspective || null)) { $("perspective").value = preset.perspective || ""; again = true; }
    if (preset.hypothesis && $("hypothesis").value !== preset.hypothesis) { $("hypothesis").value = preset.hypothesis; again = true; }
    if (again) return loadScenario(false, { ...preset, perspective: $("perspective").value || null, hypothesis: $("hypothesis").value || null, _done: true });
    if (preset.start) $("start").value = preset.start;
    if (preset.end) $("end").value = preset.end;
  }
  const persp = info.perspectives.find((x) => x.name === $("perspective").value);
  $("perspective-help").textContent = persp ? persp.description : "The scenario as written, without any observer's overlay.";
  const hyp = info.hypotheses.find((x) => x.name === $("hypothesis").value);
  $("hypothesis-help").textContent = hyp ? hyp.description : "";
  renderLevers(keepLevers, preset ? runLevers(preset) : null);
  if (preset) {
    const oil = runOil(preset);
    $("oil-fix").checked = oil !== null;
    $("oil").disabled = oil === null;
    if (oil !== null) $("oil").value = oil;
    showOil();
  }
  updateCli();
}

// lever values of a run: from the dashboard's record, else from its --set items
function runLevers(p) {
  const out = { ...(p.levers || {}) };
  for (const s of p.sets || []) {
    const m = s.match(/^(?:levers\.)?([A-Za-z0-9_]+)=(-?[0-9.eE+-]+)$/);
    if (m && S.info.levers.some((l) => l.name === m[1])) out[m[1]] = Number(m[2]);
  }
  return out;
}
function runOil(p) {
  if (p.oil_level !== null && p.oil_level !== undefined) return p.oil_level;
  for (const s of p.sets || []) { const m = s.match(/^drivers\.oil_price\.future\.level=([0-9.]+)$/); if (m) return Number(m[1]); }
  return null;
}

const LEDE = {
  world: "How does every UN member state stand between Russia and the West, and who would side with Russia in a vote? " +
    "Each run simulates many possible worlds (members); the map and charts show where most of them fall.",
  neighbourhood: "How do Russia's post-Soviet neighbours position themselves between Russia and the West? " +
    "Each run simulates many possible worlds (members); the charts show where most of them fall.",
};
function describeScenario(info) {
  const kind = info.world ? "world" : "neighbourhood";
  $("page-sub").textContent = `· ${info.title}`;
  document.title = `multipolar · ${info.title}`;
  $("lede").replaceChildren(LEDE[kind] + " Observed data end in ", el("b", { id: "obs-year", text: info.time.observed_until }),
    "; later years are projections.");
  document.querySelectorAll(".obs-year").forEach((e) => (e.textContent = info.time.observed_until));
  $("levers").previousElementSibling.hidden = false;
}

function fillSelect(sel, options, value) {
  sel.replaceChildren(...options.map(([v, t]) => el("option", { value: v, text: t })));
  if (value !== undefined) sel.value = value;
}

function renderLevers(keep, values = null) {
  const old = {};
  if (keep) document.querySelectorAll("#levers input[type=range]").forEach((i) => (old[i.dataset.name] = i.value));
  if (values) Object.assign(old, values), keep = true;
  const box = $("levers");
  box.replaceChildren();
  if (!S.info.levers.length) box.append(el("p", { class: "hint", text: "This scenario has no levers; use --set on a mechanism parameter from the command line, or the levers of the Coalition what-if." }));
  for (const lv of S.info.levers) {
    const id = `lever-${lv.name}`;
    const input = el("input", { type: "range", id, min: lv.bounds[0], max: lv.bounds[1], step: 0.05,
      value: keep && old[lv.name] !== undefined ? old[lv.name] : lv.value, "data-name": lv.name,
      "data-default": lv.value });
    const out = el("output", { for: id });
    const show = () => {
      const changed = Math.abs(Number(input.value) - lv.value) > 1e-9;
      out.textContent = Number(input.value).toFixed(2) + (changed ? "" : " (default)");
      out.className = changed ? "changed" : "";
      updateCli();
    };
    input.addEventListener("input", show);
    const info = el("button", { type: "button", class: "info", title: "why this lever?",
      text: "evidence", on: { click: () => showEvidence(`levers.${lv.name}`) } });
    box.append(el("div", { class: "lever" },
      el("div", { class: "lever-head" }, el("label", { for: id, text: lv.label || cap(pretty(lv.name)) }), info, out),
      input, el("p", { class: "hint", text: lv.description || "" })));
    show();
  }
}

function formParams() {
  const levers = {};
  document.querySelectorAll("#levers input[type=range]").forEach((i) => {
    if (Math.abs(Number(i.value) - Number(i.dataset.default)) > 1e-9) levers[i.dataset.name] = Number(i.value);
  });
  const body = {
    scenario: $("scenario").value,
    perspective: $("perspective").value || null,
    hypothesis: $("hypothesis").value || null,
    seed: Number($("seed").value),
    members: Number($("members").value),
    start: $("start").value ? Number($("start").value) : null,
    end: $("end").value ? Number($("end").value) : null,
    levers,
    oil_level: $("oil-fix").checked ? Number($("oil").value) : null,
  };
  return body;
}

function num6(x) { return String(Number(Number(x).toPrecision(6))); }

function updateCli() {
  if (!S.info) return;
  const p = formParams();
  const parts = ["multipolar", "run", p.scenario, "--members", p.members, "--seed", p.seed];
  if (p.start !== null) parts.push("--start", p.start);
  if (p.end !== null) parts.push("--end", p.end);
  if (p.perspective) parts.push("--perspective", p.perspective);
  if (p.hypothesis) parts.push("--hypothesis", p.hypothesis);
  for (const k of Object.keys(p.levers).sort()) parts.push("--set", `levers.${k}=${num6(p.levers[k])}`);
  if (p.oil_level !== null) parts.push("--set", `drivers.oil_price.future.level=${num6(p.oil_level)}`);
  $("cli").textContent = parts.join(" ") + " --out RUNDIR";
}

/* ------------------------------------------------------------------ runs */

async function startRun() {
  setStatus("");
  let meta;
  try {
    meta = await api("/api/runs", { method: "POST", body: JSON.stringify(formParams()) });
  } catch (e) {
    setStatus(e.message, true);
    return;
  }
  S.run = meta;
  $("run").disabled = true;
  $("cancel").hidden = false;
  $("progress").hidden = false;
  $("cli").textContent = meta.cli;
  poll(meta.id);
}

function poll(id) {
  clearTimeout(S.polling);
  const tick = async () => {
    let m;
    try { m = await api(`/api/runs/${id}`); } catch (e) { setStatus(e.message, true); return; }
    $("bar").style.width = `${Math.round(100 * m.progress.fraction)}%`;
    if (m.status === "queued" || m.status === "running") {
      setStatus(`${m.status}: ${m.progress.members_done.toLocaleString()} of ${m.progress.members_total.toLocaleString()} members`);
      S.polling = setTimeout(tick, 400);
      return;
    }
    $("run").disabled = false;
    $("cancel").hidden = true;
    if (m.status === "complete") {
      setStatus(`complete in ${fmt(m.seconds, 1)} s`);
      await refreshRuns();
      await openRun(id);
    } else {
      setStatus(`run ${m.status}${m.error ? ": " + m.error.message + (m.error.fix ? "\nfix: " + m.error.fix : "") : ""}`,
        m.status !== "cancelled");
      await refreshRuns();
    }
  };
  tick();
}

async function cancelRun() {
  if (!S.run) return;
  try { await api(`/api/runs/${S.run.id}/cancel`, { method: "POST" }); } catch (e) { setStatus(e.message, true); }
}

async function refreshRuns() {
  const r = await api("/api/runs?limit=200");
  S.runs = r.runs;
  $("runs-folder").textContent = `Runs are read from ${r.runs_folder}. A run made with ` +
    `multipolar run --out ${r.runs_folder}/NAME appears here after a page reload.`;
  renderRuns();
  const done = S.runs.filter((x) => x.status === "complete");
  const opts = done.map((x) => [x.id, `${x.params.scenario || "?"} · ${x.created_at ? x.created_at.slice(5, 16).replace("T", " ") : x.id} · ${x.label}`]);
  for (const [sel, fallback] of [[$("cmp-a"), done[1]], [$("cmp-b"), done[0]]]) {
    const cur = sel.value;
    fillSelect(sel, opts);
    sel.value = cur && done.some((x) => x.id === cur) ? cur : (fallback || done[0] || {}).id || "";
  }
}

async function openRun(id) {
  const seq = (S.openSeq = (S.openSeq || 0) + 1);  // a later open wins over one still loading
  const meta = await api(`/api/runs/${id}`);
  const view = await api(`/api/runs/${id}/view`);
  if (seq !== S.openSeq) return;
  S.run = meta;
  S.view = view;
  const p = meta.params;
  if (p.scenario && $("scenario").value !== p.scenario && [...$("scenario").options].some((o) => o.value === p.scenario)) {
    $("scenario").value = p.scenario;
    S.info = null;
  }
  await loadScenario(false, p).catch((e) => setStatus(e.message, true));
  if (seq !== S.openSeq) return;
  showTabsFor(view);
  $("run-title").replaceChildren(el("b", { text: "Showing run " + meta.id }),
    ` — ${pretty(p.scenario)}, ${p.perspective ? pretty(p.perspective) + " perspective" : "base scenario"}, ` +
    `${p.hypothesis ? pretty(p.hypothesis) + " hypothesis" : "default hypothesis"}, ` +
    `${Number(p.members).toLocaleString()} members, seed ${p.seed}` +
    (p.sets && p.sets.length ? `, changed: ${p.sets.map((s) => s.replace(/^levers\.|^drivers\./, "")).join(", ")}` : ""));
  $("cli").textContent = meta.cli;
  $("seed").value = p.seed;
  $("members").value = p.members;
  $("cli").textContent = meta.cli;
  const yr = $("year");
  yr.min = view.years[0];
  yr.max = view.years[view.years.length - 1];
  if (Number(yr.value) < yr.min || Number(yr.value) > yr.max) yr.value = Math.min(yr.max, view.observed_until || yr.max);
  fillSelect($("institution"), view.institutions.map((i) => [i.id, i.id]), $("institution").value || (view.institutions[0] || {}).id);
  const neighbours = neighboursOf(view);
  const label = (a) => (view.names && view.names[a] && view.names[a] !== a ? `${view.names[a]} (${a})` : a);
  fillSelect($("cmp-actor"), neighbours.map((a) => [a, label(a)]), $("cmp-actor").value || neighbours[1] || neighbours[0]);
  renderRuns();
  drawTab();
}

// tabs a run's scenario does not model are hidden, and the page says why
function showTabsFor(view) {
  const world = view.kind === "world";
  const hide = { world: !world, groups: !world, fan: world, network: world || !view.institutions.length,
    members: !view.institutions.length };
  document.querySelectorAll(".tabs button").forEach((b) => { b.hidden = !!hide[b.dataset.tab]; });
  const notes = [];
  if (world) notes.push("A world run: the World map shows every state (click one for its fan chart); the Groups tab the seed-002 groups.");
  if (!view.institutions.length) notes.push("This scenario models no organisation memberships, so the Network and Memberships tabs are hidden.");
  $("run-note").textContent = notes.join(" ");
  $("run-note").hidden = !notes.length;
  if (hide[S.tab]) S.tab = world ? "world" : "fan";
  document.querySelectorAll(".tabs button").forEach((b) => { b.classList.toggle("active", b.dataset.tab === S.tab); b.setAttribute("aria-selected", String(b.dataset.tab === S.tab)); });
  document.querySelectorAll(".tab").forEach((s) => s.classList.toggle("active", s.id === `tab-${S.tab}`));
}

function neighboursOf(view) {
  const n = view.actors.filter((a) => view.roles[a] === "neighbour");
  return n.length ? n : view.actors;
}

/* ------------------------------------------------------------------ charts */

function bandTraces(years, fan, color, name, axis, legend, group) {
  const x = years.concat([...years].reverse());
  const band = (lo, hi, a, label) => ({
    x, y: fan[lo].concat([...fan[hi]].reverse()), fill: "toself", type: "scatter", mode: "lines",
    line: { width: 0 }, fillcolor: `rgba(${color},${a})`, hoverinfo: "skip", name: label,
    showlegend: legend, legendgroup: group + label, xaxis: axis.x, yaxis: axis.y });
  return [band("p05", "p95", 0.16, `${name}90% of worlds`), band("p25", "p75", 0.38, `${name}middle 50%`),
    { x: years, y: fan.median, type: "scatter", mode: "lines", line: { color: `rgb(${color})`, width: 2 },
      name: `${name}median`, showlegend: legend, legendgroup: group + "median", xaxis: axis.x, yaxis: axis.y,
      hovertemplate: "%{x}: %{y:.2f}<extra></extra>" }];
}

function gridAxes(n, cols, opts = {}) {
  const rows = Math.ceil(n / cols);
  const layout = { grid: { rows, columns: cols, pattern: "independent", xgap: 0.06, ygap: 0.3 / rows + 0.08 },
    margin: { l: 40, r: 10, t: 56, b: 30 }, showlegend: true, annotations: [], shapes: [],
    legend: { orientation: "h", y: -0.06, x: 0 }, height: Math.max(380, 200 * rows + 60),
    font: { size: 11 } };
  for (let i = 0; i < n; i++) {
    const s = i === 0 ? "" : String(i + 1);
    layout[`xaxis${s}`] = { showgrid: true, gridcolor: "#eee", tickfont: { size: 10 } };
    layout[`yaxis${s}`] = { showgrid: true, gridcolor: "#eee", zeroline: false, tickfont: { size: 10 },
      ...(opts.range ? { range: opts.range } : {}) };
  }
  return layout;
}

function subplotTitle(layout, i, text) {
  const s = i === 0 ? "" : String(i + 1);
  layout.annotations.push({ text: `<b>${text}</b>`, xref: `x${s} domain`, yref: `y${s} domain`,
    x: 0.02, y: 1.0, xanchor: "left", yanchor: "bottom", showarrow: false, font: { size: 12 } });
  if (S.view.observed_until && S.view.observed_until < S.view.years[S.view.years.length - 1])
    layout.shapes.push({ type: "rect", xref: `x${s}`, yref: `y${s} domain`, x0: S.view.observed_until + 0.5,
      x1: S.view.years[S.view.years.length - 1], y0: 0, y1: 1, fillcolor: "rgba(0,0,0,0.045)", line: { width: 0 },
      layer: "below" });
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

function drawFan() {
  const v = S.view;
  const actors = neighboursOf(v);
  const cols = 5;
  let lo = 0, hi = 1;
  for (const a of actors) {
    for (const x of v.alignment[a].p05.concat(v.observed[a] || [])) if (x !== null && x < lo) lo = x;
    for (const x of v.alignment[a].p95.concat(v.observed[a] || [])) if (x !== null && x > hi) hi = x;
  }
  const layout = gridAxes(actors.length, cols, { range: [lo - 0.05, hi + 0.05] });
  const traces = [];
  actors.forEach((a, i) => {
    const s = i === 0 ? "" : String(i + 1);
    const axis = { x: `x${s}`, y: `y${s}` };
    traces.push(...bandTraces(v.years, v.alignment[a], BLUE, "", axis, i === 0, "a"));
    if (v.observed[a]) traces.push({ x: v.years, y: v.observed[a], type: "scatter", mode: "markers",
      marker: { color: "#c0392b", size: 4 }, name: "observed (UN votes)", showlegend: i === 0,
      legendgroup: "obs", xaxis: axis.x, yaxis: axis.y, hovertemplate: "%{x} observed: %{y:.2f}<extra></extra>" });
    subplotTitle(layout, i, esc(a));
  });
  for (let i = 0; i < actors.length; i++) layout[`xaxis${i ? i + 1 : ""}`].tickformat = "d";
  Plotly.react("fan-chart", traces, layout, plotCfg("fan-chart"));
  drawSphereGrid(v, actors);
}

const REGION_Y = { eastern_europe: 4, baltic: 3, south_caucasus: 2, central_asia: 1 };

function alignColor(x) {
  const t = Math.max(0, Math.min(1, (x + 0.2) / 1.2));
  const r = Math.round(192 + (47 - 192) * t), g = Math.round(57 + (109 - 57) * t), b = Math.round(43 + (181 - 43) * t);
  return `rgb(${r},${g},${b})`;
}

function drawNetwork() {
  const v = S.view;
  const yi = Math.max(0, v.years.indexOf(Number($("year").value)));
  const year = v.years[yi];
  $("year-out").textContent = year + (v.observed_until && year > v.observed_until ? " (projection)" : " (observed period)");
  const regionCount = {};
  const pos = {};
  const actors = v.actors.filter((a) => v.roles[a] === "neighbour" || v.roles[a] === "core");
  for (const a of actors) {
    const reg = S.info ? (S.info.actors.find((x) => x.id === a) || {}).region : null;
    const base = v.roles[a] === "core" ? 5 : (REGION_Y[reg] || 0.5);
    const k = (regionCount[base] = (regionCount[base] || 0) + 1);
    const med = v.alignment[a].median[yi];
    pos[a] = [v.roles[a] === "core" ? 0 : med, base + (k === 1 ? 0 : (k % 2 ? 1 : -1) * Math.floor(k / 2) * 0.2)];
  }
  const side = { russia: [], west: [], china: [], mixed: [] };
  v.institutions.forEach((i) => (side[i.pole] || side.mixed).push(i.id));
  const ipos = {};
  side.russia.forEach((id, k) => (ipos[id] = [-0.6, 4.6 - k * 1.6]));
  side.west.forEach((id, k) => (ipos[id] = [1.5, 4.2 - k * 2.2]));
  side.china.concat(side.mixed).forEach((id, k) => (ipos[id] = [0.35 + k * 0.4, -0.35]));
  const poleOf = Object.fromEntries(v.institutions.map((i) => [i.id, i.pole]));
  const POLE_RGB = { russia: "168,50,42", west: "43,95,158", china: "184,134,11", mixed: "110,110,110" };
  const bins = [[0.75, 1.01, 3, 0.7], [0.4, 0.75, 1.8, 0.45], [0.05, 0.4, 0.8, 0.3]];
  const traces = [];
  for (const [lo, hi, w, a] of bins) {
    traces.push({ x: [null], y: [null], type: "scatter", mode: "lines", hoverinfo: "skip",
      name: `member in ${Math.round(lo * 100)}–${Math.min(100, Math.round(hi * 100))}% of worlds`,
      line: { width: w, color: "rgba(90,90,90,0.8)" } });
    for (const pole of Object.keys(POLE_RGB)) {
      const x = [], y = [];
      for (const inst of v.institutions) {
        if ((inst.pole in POLE_RGB ? inst.pole : "mixed") !== pole) continue;
        for (const actor of actors) {
          const pr = ((v.memberships[inst.id] || {})[actor] || [])[yi];
          if (pr !== undefined && pr !== null && pr >= lo && pr < hi) {
            x.push(pos[actor][0], ipos[inst.id][0], null);
            y.push(pos[actor][1], ipos[inst.id][1], null);
          }
        }
      }
      if (x.length) traces.push({ x, y, type: "scatter", mode: "lines", hoverinfo: "skip", showlegend: false,
        line: { width: w, color: `rgba(${POLE_RGB[pole]},${a})` } });
    }
  }
  const hover = actors.map((a) => {
    const f = v.alignment[a];
    const mem = v.institutions.map((i) => [i.id, ((v.memberships[i.id] || {})[a] || [])[yi]])
      .filter(([, pr]) => pr >= 0.05).map(([id, pr]) => `${id} ${Math.round(pr * 100)}%`).join(", ");
    return `<b>${esc(a)}</b> ${year}<br>alignment ${fmt(f.median[yi])} (90%: ${fmt(f.p05[yi])}–${fmt(f.p95[yi])})<br>${esc(mem || "no memberships")}`;
  });
  traces.push({ x: actors.map((a) => pos[a][0]), y: actors.map((a) => pos[a][1]), text: actors,
    type: "scatter", mode: "markers+text", textposition: "top center", showlegend: false,
    hovertext: hover, hoverinfo: "text", textfont: { size: 11 },
    marker: { size: actors.map((a) => (v.roles[a] === "core" ? 26 : 15)),
      color: actors.map((a) => alignColor(pos[a][0])), line: { color: "#fff", width: 1 } } });
  const ids = Object.keys(ipos);
  traces.push({ x: ids.map((i) => ipos[i][0]), y: ids.map((i) => ipos[i][1]), text: ids, showlegend: false,
    type: "scatter", mode: "markers+text", textposition: "middle center", hoverinfo: "text",
    hovertext: ids.map((i) => `${esc(i)} (${poleOf[i]}-led)`), textfont: { size: 10, color: "#fff" },
    marker: { symbol: "square", size: 38, color: ids.map((i) => ({ russia: "#a8322a", west: "#2b5f9e", china: "#b8860b" }[poleOf[i]] || "#777")) } });
  const layout = { height: 640, margin: { l: 40, r: 10, t: 30, b: 50 }, hovermode: "closest",
    legend: { orientation: "h", y: 1.04, x: 0 },
    xaxis: { range: [-1.0, 1.8], title: { text: "← votes like Russia (0)          median UN alignment          votes like the US (1) →" },
      zeroline: false, gridcolor: "#eee", tickvals: [0, 0.25, 0.5, 0.75, 1] },
    yaxis: { visible: false, range: [-0.8, 5.5] },
    annotations: [["Eastern Europe", 4], ["Baltic states", 3], ["South Caucasus", 2], ["Central Asia", 1]]
      .map(([t, y]) => ({ text: t, x: -0.98, y: y, xanchor: "left", showarrow: false, font: { size: 10, color: "#888" } })),
    shapes: [{ type: "line", x0: 0.5, x1: 0.5, y0: 0.5, y1: 5.3, line: { color: "#ccc", dash: "dot" } }] };
  layout.margin.t = 56;
  Plotly.react("network-chart", traces, layout, plotCfg("network-chart"));
}

function drawMembers() {
  const v = S.view;
  const inst = $("institution").value || (v.institutions[0] || {}).id;
  if (!inst) { $("members-chart").replaceChildren(el("p", { class: "hint", text: "This scenario models no organisation memberships." })); return; }
  const table = v.memberships[inst] || {};
  const actors = neighboursOf(v).concat(v.actors.filter((a) => v.roles[a] === "core")).filter((a) => table[a]);
  const trace = { type: "heatmap", x: v.years, y: actors, z: actors.map((a) => table[a]), zmin: 0, zmax: 1,
    colorscale: [[0, "#f7f8fa"], [0.5, "#8fb3de"], [1, "#1f4e8c"]],
    colorbar: { title: { text: "share of<br>worlds" }, tickformat: ".0%" },
    hovertemplate: "%{y} %{x}: member in %{z:.0%} of worlds<extra></extra>" };
  const shapes = v.observed_until ? [{ type: "line", x0: v.observed_until + 0.5, x1: v.observed_until + 0.5,
    yref: "paper", y0: 0, y1: 1, line: { color: "#c0392b", dash: "dash" } }] : [];
  Plotly.react("members-chart", [trace], { height: 560, margin: { l: 100, r: 20, t: 56, b: 40 },
    title: { text: `${esc(inst)}: membership by year (dashed line: end of observed data)`, font: { size: 13 }, x: 0.02 },
    xaxis: { tickformat: "d", dtick: 5 }, yaxis: { autorange: "reversed" }, shapes }, plotCfg("members-chart"));
}

const RUSSIA_TITLES = { capacity: "capacity (rent-funded means)", regime_security: "regime security",
  recognition: "recognition as a great power", oil_price: "oil price, USD/bbl", china_weight: "China's GDP / Russia's",
  russia_position: "Russia's UN ideal point (the data's scale)", us_position: "the US's UN ideal point (the data's scale)" };

function drawRussia() {
  const v = S.view;
  const flat = v.russia_constant || [];
  const keys = Object.keys(v.russia).filter((k) => !flat.includes(k));
  const note = $("russia-note");
  note.hidden = !flat.length;
  note.textContent = flat.length ? `Not shown: ${flat.map((k) => RUSSIA_TITLES[k] || pretty(k)).join(", ")} — ` +
    `${flat.length === 1 ? "it stays" : "they stay"} at ${flat.map((k) => fmt(v.russia[k].median[0])).join(", ")} in every year and every simulated world: ` +
    `this scenario${v.kind === "world" ? " (the world model)" : ""} does not move ${flat.length === 1 ? "it" : "them"}.` : "";
  const layout = gridAxes(keys.length, 3);
  const traces = [];
  keys.forEach((k, i) => {
    const s = i === 0 ? "" : String(i + 1);
    traces.push(...bandTraces(v.years, v.russia[k], BLUE, "", { x: `x${s}`, y: `y${s}` }, i === 0, "r"));
    subplotTitle(layout, i, esc(RUSSIA_TITLES[k] || pretty(k)));
  });
  for (let i = 0; i < keys.length; i++) layout[`xaxis${i ? i + 1 : ""}`].tickformat = "d";
  Plotly.react("russia-chart", traces, layout, plotCfg("russia-chart"));
}

async function drawCompare() {
  const a = $("cmp-a").value, b = $("cmp-b").value;
  const table = $("compare-table");
  const note = $("cmp-note");
  note.hidden = true;
  if (!a || !b) { table.replaceChildren(el("tr", {}, el("td", { text: "Finish two runs to compare them." }))); return; }
  const [va, vb] = await Promise.all([getView(a), getView(b)]);
  let cmp;
  try { cmp = await api(`/api/compare?a=${a}&b=${b}`); } catch (e) {
    note.textContent = `These runs cannot be compared: ${e.message}`; note.hidden = false;
    table.replaceChildren(); Plotly.purge("compare-chart"); Plotly.purge("compare-diff-chart"); $("cmp-map-box").hidden = true; return;
  }
  S.cmpRows = cmp.rows;
  $("cmp-prov-a").textContent = `A: run ${cmp.a.id} — ${cmp.provenance.a}`;
  $("cmp-prov-b").textContent = `B: run ${cmp.b.id} — ${cmp.provenance.b}`;
  if (cmp.note) { note.textContent = cmp.note; note.hidden = false; }
  const pairs = Object.fromEntries(cmp.shared);
  const label = (r) => (r.name && r.name !== r.actor ? `${r.name} (${r.actor})` : r.actor);
  const opts = cmp.rows.map((r) => [r.actor, label(r)]);
  let actor = $("cmp-actor").value;
  fillSelect($("cmp-actor"), opts);
  if (!pairs[actor]) actor = (cmp.rows.find((r) => r.role === "neighbour") || cmp.rows[0]).actor;
  $("cmp-actor").value = actor;
  const other = pairs[actor];
  const name = (cmp.rows.find((r) => r.actor === actor) || {}).name || actor;
  const traces = [...bandTraces(va.years, va.alignment[actor], "179,88,6", "A ", { x: "x", y: "y" }, true, "A"),
    ...bandTraces(vb.years, vb.alignment[other], "84,39,136", "B ", { x: "x", y: "y" }, true, "B")];
  if (va.observed[actor]) traces.push({ x: va.years, y: va.observed[actor], mode: "markers", type: "scatter",
    marker: { color: "#222", size: 4 }, name: "observed" });
  const base = { height: 420, margin: { l: 50, r: 10, t: 56, b: 40 }, legend: { orientation: "h", y: -0.18 }, xaxis: { tickformat: "d" } };
  Plotly.react("compare-chart", traces, { ...base, shapes: projShape(va),
    title: { text: `${esc(name)}: alignment, run A (orange) and run B (purple)`, font: { size: 13 }, x: 0.02 },
    yaxis: { title: { text: "votes like Russia (0) … like the US (1)" } } }, plotCfg("compare-chart"));
  // difference fan: B - A per quantile over the common years
  const yrs = cmp.years;
  const dq = (q) => yrs.map((y) => { const x = va.alignment[actor][q][va.years.indexOf(y)], z = vb.alignment[other][q][vb.years.indexOf(y)];
    return x === null || z === null ? null : z - x; });
  const dfan = Object.fromEntries(QS.map((q) => [q, dq(q)]));
  Plotly.react("compare-diff-chart", [...bandTraces(yrs, dfan, "84,39,136", "B − A ", { x: "x", y: "y" }, true, "D")],
    { ...base, shapes: [...projShape(va), { type: "line", xref: "paper", x0: 0, x1: 1, y0: 0, y1: 0, line: { color: "#888", dash: "dot" } }],
      title: { text: `${esc(name)}: difference B − A of each quantile`, font: { size: 13 }, x: 0.02 },
      yaxis: { title: { text: "B − A (positive: B closer to the US)" } } }, plotCfg("compare-diff-chart"));
  $("cmp-head").textContent = `Median alignment in ${cmp.year}`;
  const rows = cmp.rows.filter((r) => va.kind === "world" || vb.kind === "world" || r.role === "neighbour")
    .map((r) => ({ state: label(r), A: r.a, B: r.b, "B − A": r.diff }));
  dataTable(table, rows, `compare-${cmp.year}`);
  await drawCompareMap(va, vb, cmp);
}

const viewCache = new Map();
async function getView(id) {
  if (S.run && S.run.id === id && S.view) return S.view;
  if (!viewCache.has(id)) viewCache.set(id, await api(`/api/runs/${id}/view`));
  return viewCache.get(id);
}

function drawTab() {
  const t = S.tab;
  if (t === "runs") return renderRuns();
  if (t === "evidence") return;
  if (t === "compare") return drawCompare().catch((e) => setStatus(e.message, true));
  if (t === "coalition") return initCoalition();
  if (!S.view || typeof Plotly === "undefined") return;
  const r = ({ fan: drawFan, network: drawNetwork, members: drawMembers, russia: drawRussia, world: drawWorld, groups: drawGroups })[t]();
  if (r && r.catch) r.catch((e) => setStatus(e.message, true));
}

/* ------------------------------------------------------------------ runs table */

function renderRuns() {
  const t = $("runs-table");
  const head = el("tr", {}, ...["started (UTC)", "run", "status", "actions", "downloads"].map((h) => el("th", { text: h })));
  const rows = S.runs.map((r) => {
    const acts = el("td");
    if (r.status === "complete") {
      acts.append(el("button", { type: "button", text: "open", "aria-label": `open run ${r.id}`, on: { click: async () => { await openRun(r.id);
        // a person who moved to another tab while the run loaded stays there
        if (S.tab === "runs") selectTab(S.view && S.view.kind === "world" ? "world" : "fan"); } } }), " ",
        el("button", { type: "button", text: "as A", on: { click: () => { $("cmp-a").value = r.id; selectTab("compare"); } } }), " ",
        el("button", { type: "button", text: "as B", on: { click: () => { $("cmp-b").value = r.id; selectTab("compare"); } } }));
      const p = r.params || {};
      if ((p.sets && p.sets.length) || p.perspective || p.hypothesis)
        acts.append(" ", el("button", { type: "button", text: "vs base", title: "compare with the same run without its overrides, perspective and hypothesis",
          "aria-label": `compare run ${r.id} with its base`, on: { click: () => compareWithBase(r) } }));
    } else if (["interrupted", "cancelled", "failed"].includes(r.status)) {
      acts.append(el("button", { type: "button", text: "resume", on: { click: async () => {
        try { const m = await api(`/api/runs/${r.id}/resume`, { method: "POST" }); S.run = m; $("run").disabled = true;
          $("cancel").hidden = false; $("progress").hidden = false; poll(m.id); } catch (e) { setStatus(e.message, true); } } } }));
    }
    const dl = el("td", { class: "downloads" });
    if (r.status === "complete") for (const [n, label] of [["alignment.csv", "alignment CSV"], ["memberships.csv", "memberships CSV"], ["sphere.csv", "sphere CSV"],
      ["standing.csv", "standing CSV"], ["actors.parquet", "Parquet"], ["report.html", "report"]])
      dl.append(el("a", { href: `/api/runs/${r.id}/download/${n}`, text: label, target: n === "report.html" ? "_blank" : null, rel: "noopener" }));
    return el("tr", { class: S.run && S.run.id === r.id ? "current" : "" },
      el("td", { text: (r.created_at || "").replace("T", " ").slice(0, 19) }),
      el("td", {}, el("div", { text: r.label }), el("code", { text: r.id })),
      el("td", { class: `status-${r.status}`, text: r.status + (r.status === "running" ? ` ${Math.round(100 * r.progress.fraction)}%` : "") }),
      acts, dl);
  });
  t.replaceChildren(head, ...(rows.length ? rows : [el("tr", {}, el("td", { text: "No runs yet." }))]));
}

// the same scenario, seed, members and years without overrides and overlays: found or made
async function compareWithBase(r) {
  const p = r.params;
  const same = (x) => x.status === "complete" && x.params.scenario === p.scenario && x.params.seed === p.seed &&
    x.params.members === p.members && (x.params.start || null) === (p.start || null) && (x.params.end || null) === (p.end || null) &&
    !(x.params.sets || []).length && !x.params.perspective && !x.params.hypothesis;
  const show = (baseId) => { $("cmp-a").value = baseId; $("cmp-b").value = r.id; selectTab("compare"); };
  const found = S.runs.find(same);
  if (found) return show(found.id);
  let meta;
  try {
    meta = await api("/api/runs", { method: "POST", body: JSON.stringify({ scenario: p.scenario, seed: p.seed, members: p.members,
      start: p.start || null, end: p.end || null, levers: {}, oil_level: null, perspective: null, hypothesis: null }) });
  } catch (e) { setStatus(e.message, true); return; }
  setStatus(`running the base of ${r.id} (${meta.id}) to compare…`);
  const wait = async () => {
    const m = await api(`/api/runs/${meta.id}`);
    if (m.status === "queued" || m.status === "running") { setTimeout(wait, 500); return; }
    await refreshRuns();
    if (m.status === "complete") { setStatus(`base run ${meta.id} complete`); show(meta.id); }
    else setStatus(`base run ${m.status}`, true);
  };
  wait();
}

/* ------------------------------------------------------------------ evidence */

function renderEvidenceList() {
  const list = $("evidence-list");
  list.replaceChildren();
  let kind = null;
  for (const it of S.evidence.items) {
    if (it.kind !== kind) { kind = it.kind; list.append(el("li", { class: "kind", text: kind === "hypothesis" ? "hypotheses" : kind + "s" })); }
    list.append(el("li", {}, el("button", { type: "button", "data-key": it.key, text: `${pretty(it.name)} (${it.citations.length})`,
      on: { click: () => showEvidence(it.key) } })));
  }
  $("evidence-intro").textContent = "What each lever, mechanism and perspective rests on: the claim in our words and a " +
    "pointer into the seed documents." + (S.evidence.corpus ? " Press “show passage” to read the source." :
      " Start the server with --corpus DIR to read the source passages here.");
}

function showEvidence(key) {
  selectTab("evidence");
  const it = S.evidence.items.find((x) => x.key === key);
  document.querySelectorAll("#evidence-list button").forEach((b) => b.classList.toggle("active", b.dataset.key === key));
  const box = $("evidence-detail");
  if (!it) { box.replaceChildren(el("p", { text: `No evidence entry for ${key}.` })); return; }
  box.replaceChildren(...[el("h3", { text: `${it.kind}: ${pretty(it.name)}` }),
    el("p", { text: it.description || "" }),
    it.theory.length ? el("p", { class: "hint", text: `Theory map items: ${it.theory.join(", ")}` }) : null,
    ...(it.citations.length ? it.citations.map((c) => {
      const quote = el("div");
      const btn = el("button", { type: "button", class: "show-passage", text: "show passage", disabled: S.evidence.corpus ? null : "disabled",
        on: { click: async () => {
          try {
            const p = await api(`/api/evidence/passage?doc=${encodeURIComponent(c.doc)}&locator=${encodeURIComponent(c.locator)}`);
            quote.replaceChildren(el("blockquote", {}, p.before, el("mark", { text: p.match }), p.after),
              el("p", { class: "where", text: `${c.source || p.doc}, line ${p.line}` }));
          } catch (e) { quote.replaceChildren(el("p", { class: "error", text: e.message })); }
        } } });
      return el("div", { class: "citation" }, el("div", { class: "claim", text: c.claim }),
        el("div", { class: "where", text: `${c.id ? "[" + c.id + "] " : ""}${c.source || c.doc} — “${c.locator}”` }), btn, quote);
    }) : [el("p", { class: "hint", text: "No citation recorded for this item." })])].filter((x) => x));
}

/* ------------------------------------------------------------------ wiring */

function selectTab(name) {
  S.tab = name;
  document.querySelectorAll(".tabs button").forEach((b) => { b.classList.toggle("active", b.dataset.tab === name); b.setAttribute("aria-selected", String(b.dataset.tab === name)); });
  document.querySelectorAll(".tab").forEach((s) => s.classList.toggle("active", s.id === `tab-${name}`));
  drawTab();
}

async function init() {
  document.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => selectTab(b.dataset.tab)));
  S.limits = await api("/api/limits");
  $("members").max = S.limits.max_members;
  $("members").value = S.limits.default_members;
  const sc = await api("/api/scenarios");
  fillSelect($("scenario"), sc.scenarios.map((s) => [s.name, s.title]));
  $("scenario").addEventListener("change", () => { S.info = null; loadScenario(); });
  $("perspective").addEventListener("change", () => loadScenario(false).catch((e) => setStatus(e.message, true)));
  $("hypothesis").addEventListener("change", () => loadScenario(true).catch((e) => setStatus(e.message, true)));
  for (const id of ["members", "seed", "start", "end"]) $(id).addEventListener("input", updateCli);
  $("oil-fix").addEventListener("change", () => { $("oil").disabled = !$("oil-fix").checked; showOil(); });
  $("oil").addEventListener("input", showOil);
  $("new-seed").addEventListener("click", () => { $("seed").value = Math.floor(Math.random() * 1e9); updateCli(); });
  $("run").addEventListener("click", startRun);
  $("cancel").addEventListener("click", cancelRun);
  $("copy-cli").addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText($("cli").textContent));
  $("year").addEventListener("input", () => S.view && drawNetwork());
  $("play").addEventListener("click", togglePlay);
  $("institution").addEventListener("change", () => S.view && drawMembers());
  for (const id of ["cmp-a", "cmp-b", "cmp-actor"]) $(id).addEventListener("change", () => drawCompare().catch((e) => setStatus(e.message, true)));
  renderExports();
  await loadScenario();
  await refreshRuns();
  const active = S.runs.find((r) => r.status === "running" || r.status === "queued");
  if (active) { S.run = active; $("run").disabled = true; $("cancel").hidden = false; $("progress").hidden = false; poll(active.id); }
  const last = S.runs.find((r) => r.status === "complete");
  if (last && !active) await openRun(last.id);
}

function showOil() {
  $("oil-out").textContent = $("oil-fix").checked ? `${$("oil").value} USD` : "uncertain";
  updateCli();
}

function togglePlay() {
  if (S.playing) { clearInterval(S.playing); S.playing = null; $("play").textContent = "play"; return; }
  $("play").textContent = "pause";
  S.playing = setInterval(() => {
    const y = $("year");
    y.value = Number(y.value) >= Number(y.max) ? y.min : Number(y.value) + 1;
    drawNetwork();
  }, 450);
}

window.addEventListener("DOMContentLoaded", () => init().catch((e) => setStatus(e.message, true)));
