/* multipolar dashboard, world pages: the offline world map (outlines from /api/worldmap.svg,
   coloured here), the group view, the coalition what-if, the compare map and the exports of
   every chart, map and table. Loaded after app.js; uses its helpers (S, $, el, api, fmt). */
"use strict";

/* ------------------------------------------------------------------ colour scales */

// ColorBrewer PuOr (colour-blind safe): orange towards Russia, purple towards the US
const PUOR = ["#7f3b08", "#b35806", "#e08214", "#fdb863", "#f7f7f7", "#b2abd2", "#8073ac", "#542788", "#2d004b"];
const ALIGN_DOMAIN = [-0.5, 1.5]; // symmetric around 0.5, the midpoint of Russia (0) and the US (1)
const NO_DATA = "#e4e4e4";
// Okabe-Ito colours (colour-blind safe) for the four ways of voting
const VOTE = { yes: "#0072B2", abstain: "#E69F00", no: "#D55E00", absent: "#CC79A7" };
const VOTE_WORDS = { yes: "votes yes (condemns)", abstain: "abstains", no: "votes no (sides with Russia)", absent: "absent" };
const CLASSES = ["yes", "abstain", "no", "absent"];

function hexRgb(h) { return [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)); }
function mix(a, b, t) {
  const x = hexRgb(a), y = hexRgb(b);
  return "#" + x.map((v, i) => Math.round(v + (y[i] - v) * t).toString(16).padStart(2, "0")).join("");
}
function ramp(stops, t) {
  const u = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  return mix(stops[i], stops[i + 1], u - i);
}
function alignFill(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return NO_DATA;
  return ramp(PUOR, (v - ALIGN_DOMAIN[0]) / (ALIGN_DOMAIN[1] - ALIGN_DOMAIN[0]));
}
function diffFill(d, span) {
  if (d === null || d === undefined || !Number.isFinite(d)) return NO_DATA;
  return ramp(PUOR, 0.5 + d / (2 * span));
}

function legend(box, stops, labels, note) {
  const bar = el("div", { class: "legend-bar", style: `background: linear-gradient(to right, ${stops.join(",")})` });
  const words = el("div", { class: "legend-words" }, ...labels.map((l) => el("span", { text: l })));
  box.replaceChildren(bar, words, note ? el("p", { class: "hint", text: note }) : "");
}
function alignLegend(box) {
  legend(box, PUOR, ["beyond Russia (−0.5)", "votes like Russia (0)", "midway (0.5)", "votes like the US (1)", "beyond the US (1.5)"],
    "Orange: closer to Russia; purple: closer to the US; light grey: no value (not a UN member or not in the run).");
}

/* ------------------------------------------------------------------ the map */

let MAP_SVG = null;
async function mapTemplate() {
  if (!MAP_SVG) {
    const r = await fetch("/api/worldmap.svg", { credentials: "same-origin" });
    if (!r.ok) throw new Error(`world map: HTTP ${r.status}`);
    MAP_SVG = new DOMParser().parseFromString(await r.text(), "image/svg+xml").documentElement;
  }
  return MAP_SVG;
}

// put a fresh copy of the outlines into box (once); returns {svg, paths: {iso3: [path,...]}}
async function ensureMap(box) {
  if (box._map) return box._map;
  const tpl = await mapTemplate();
  const svg = document.importNode(tpl, true);
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  // each map needs its own clip-path id
  const clip = svg.querySelector("clipPath");
  if (clip) {
    const id = `frame-${box.id}`;
    clip.id = id;
    svg.querySelectorAll("[clip-path]").forEach((g) => g.setAttribute("clip-path", `url(#${id})`));
  }
  const paths = {};
  svg.querySelectorAll("path[data-iso3]").forEach((p) => (paths[p.dataset.iso3] = paths[p.dataset.iso3] || []).push(p));
  box.replaceChildren(svg);
  box._map = { svg, paths };
  return box._map;
}

function paint(map, fillOf) {
  for (const [iso, ps] of Object.entries(map.paths)) {
    const f = fillOf(iso);
    for (const p of ps) p.setAttribute("fill", f);
  }
}

function attachTip(box, textOf, onClick) {
  const tip = $("map-tip");
  box.addEventListener("mousemove", (e) => {
    const iso = e.target && e.target.dataset ? e.target.dataset.iso3 : null;
    const text = iso ? textOf(iso) : null;
    if (!text) { tip.hidden = true; return; }
    if (tip.parentElement !== box.parentElement) {
      box.parentElement.style.position = "relative";
      box.parentElement.append(tip);
    }
    tip.textContent = text;
    tip.hidden = false;
    const host = tip.parentElement.getBoundingClientRect();
    const r = box.getBoundingClientRect();
    // near the pointer, inside the map's frame
    const x = Math.min(e.clientX - host.left + 14, r.right - host.left - 260);
    tip.style.left = `${Math.max(0, x)}px`;
    tip.style.top = `${e.clientY - host.top + 14}px`;
  });
  box.addEventListener("mouseleave", () => { tip.hidden = true; });
  if (onClick) box.addEventListener("click", (e) => { const iso = e.target.dataset && e.target.dataset.iso3; if (iso) onClick(iso); });
}

/* ------------------------------------------------------------------ world view */

const W = { year: null, selected: null, wired: false };

function nameOf(v, iso) { return (v.names || {})[iso] || iso; }
function groupOf(v, iso) { const g = (v.groups || {})[iso]; return g ? (v.group_labels || {})[g] || g : "–"; }

async function drawWorld() {
  const v = S.view;
  if (!v || v.kind !== "world") return;
  const box = $("world-map");
  const map = await ensureMap(box);
  const slider = $("world-year");
  if (!W.wired) {
    W.wired = true;
    slider.addEventListener("input", () => drawWorld());
    $("world-layer").addEventListener("change", () => drawWorld());
    $("state-search").addEventListener("change", findState);
    $("state-search").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); findState(); } });
    attachTip(box, worldTip, (iso) => selectState(iso));
  }
  if (W.view !== v) {
    W.view = v;
    slider.min = v.years[0];
    slider.max = v.years[v.years.length - 1];
    if (!W.year || W.year < v.years[0] || W.year > slider.max) slider.value = Math.min(slider.max, v.observed_until || slider.max);
    fillSelectStates($("state-names"), v);
  }
  W.year = Number(slider.value);
  const yi = Math.max(0, v.years.indexOf(W.year));
  const projected = v.observed_until && W.year > v.observed_until;
  const layer = $("world-layer").value;
  $("world-year-out").textContent = `${W.year} ${projected ? "(projection)" : "(observed period)"}`;
  $("world-year-out").className = projected ? "projected" : "";
  const valueOf = (iso) => {
    if (layer === "observed") return ((v.observed || {})[iso] || [])[yi];
    return v.alignment[iso] ? v.alignment[iso].median[yi] : null;
  };
  paint(map, (iso) => alignFill(valueOf(iso)));
  for (const p of map.paths[W.selected] || []) p.classList.add("selected");
  $("world-explain").textContent = (layer === "observed"
    ? `Observed UN voting alignment in ${W.year}` + (projected ? ` — none: observed data end in ${v.observed_until}, so the map is empty.` : ".")
    : `Median UN voting alignment of the simulated worlds in ${W.year}` + (projected ? ", a projection (observed data end in " + v.observed_until + ")." : ", a year of the observed period.")) +
    " Point at a state for its numbers; click it (or find it by name) for its fan chart and whose sphere it is in.";
  box.setAttribute("aria-label", `world map: ${layer === "observed" ? "observed" : "median simulated"} UN voting alignment in ${W.year}`);
  alignLegend($("world-legend"));
  EXPORT_TITLES["world-map"] = `${layer === "observed" ? "Observed" : "Median simulated"} UN voting alignment, ${W.year}${projected ? " (projection)" : ""} — run ${S.run ? S.run.id : ""}`;
}

function worldTip(iso) {
  const v = S.view;
  if (!v || !v.alignment[iso]) return null;
  const yi = Math.max(0, v.years.indexOf(W.year));
  const f = v.alignment[iso];
  const obs = ((v.observed || {})[iso] || [])[yi];
  return `${nameOf(v, iso)} (${iso})\ngroup: ${groupOf(v, iso)}\n${W.year}: median ${fmt(f.median[yi])}, 90% ${fmt(f.p05[yi])} to ${fmt(f.p95[yi])}\n` +
    `observed: ${obs === null || obs === undefined ? (v.observed_until && W.year > v.observed_until ? "none (projection)" : "none") : fmt(obs)}`;
}

function fillSelectStates(list, v) {
  list.replaceChildren(...v.actors.map((a) => el("option", { value: `${nameOf(v, a)} (${a})` })));
}

function findState() {
  const v = S.view;
  const q = $("state-search").value.trim().toLowerCase();
  if (!v || !q) return;
  const m = q.match(/\(([a-z]{3})\)$/);
  const iso = (m && v.alignment[m[1].toUpperCase()] ? m[1].toUpperCase() : null) ||
    v.actors.find((a) => a.toLowerCase() === q) ||
    v.actors.find((a) => nameOf(v, a).toLowerCase() === q) ||
    v.actors.find((a) => nameOf(v, a).toLowerCase().startsWith(q)) ||
    v.actors.find((a) => nameOf(v, a).toLowerCase().includes(q));
  if (iso) selectState(iso);
  else $("state-detail").replaceChildren(el("p", { class: "error", text: `No state matches “${$("state-search").value}”.` }));
}

function selectState(iso) {
  const v = S.view;
  W.selected = iso;
  const box = $("world-map");
  if (box._map) {
    box._map.svg.querySelectorAll(".selected").forEach((p) => p.classList.remove("selected"));
    for (const p of box._map.paths[iso] || []) p.classList.add("selected");
  }
  const d = $("state-detail");
  d.replaceChildren(el("h3", { id: "state-title", text: `${nameOf(v, iso)} (${iso}) · ${groupOf(v, iso)}` }),
    el("div", { class: "two" },
      el("div", {}, el("div", { id: "state-fan", class: "chart" }), el("div", { class: "exports", "data-export": "state-fan" })),
      el("div", {}, el("div", { id: "state-sphere", class: "chart" }), el("div", { class: "exports", "data-export": "state-sphere" }),
        el("p", { class: "hint", text: "Shares of the state's sphere held by each pole: the channels trade, arms, security and investment " +
          "weighted 0.4, 0.2, 0.25 and 0.15 (the assumption sphere_weights)." }))),
    el("div", { class: "two" },
      el("div", {}, el("div", { id: "state-sphere-channels", class: "chart" }), el("div", { class: "exports", "data-export": "state-sphere-channels" }),
        el("p", { class: "hint", text: "Russia's share of each channel on its own (median and 90% band of the simulated worlds); " +
          "dots: the observed Russian share of the state's trade and arms imports (data, not the model)." })),
      el("div", {}, channelTable(v, iso))),
    ...((v.ideal_point || {})[iso] ? [el("div", {}, el("div", { id: "state-ideal", class: "chart" }), el("div", { class: "exports", "data-export": "state-ideal" }),
      el("p", { class: "hint", text: "The state's UN ideal point on the data's scale (Voeten's), with Russia's and the US's (the poles of the " +
        "alignment scale, moved by the model after the record): median and 90% band of the simulated worlds." }))] : []));
  if ((v.ideal_point || {})[iso]) idealChart(v, iso);
  const fanTraces = bandTraces(v.years, v.alignment[iso], BLUE, "", { x: "x", y: "y" }, true, "s");
  if ((v.observed || {})[iso]) fanTraces.push({ x: v.years, y: v.observed[iso], type: "scatter", mode: "markers",
    marker: { color: "#b35806", size: 5 }, name: "observed (UN votes)", hovertemplate: "%{x} observed: %{y:.2f}<extra></extra>" });
  Plotly.react("state-fan", fanTraces, {
    height: 360, margin: { l: 50, r: 10, t: 56, b: 40 }, title: { text: `${esc(nameOf(v, iso))}: UN voting alignment`, font: { size: 13 }, x: 0.02 },
    shapes: projShape(v), legend: { orientation: "h", y: -0.18 },
    yaxis: { title: { text: "like Russia (0) … like the US (1)" } }, xaxis: { tickformat: "d" } }, plotCfg("state-fan"));
  const sp = (v.sphere || {})[iso];
  const still = sp && ["russia", "china", "west"].every((pole) => {
    const xs = sp[pole].p05.concat(sp[pole].p95).filter((x) => x !== null);
    return Math.max(...xs) - Math.min(...xs) < 1e-6;
  });
  if (still) d.append(el("p", { class: "hint", text: "Whose sphere: the shares stay where the data put them in every year and every simulated world; this scenario does not move them." }));
  if (sp) {
    const cols = { russia: "179,88,6", china: "120,120,120", west: "84,39,136" };
    const tr = [];
    for (const pole of ["russia", "china", "west"]) {
      const f = sp[pole];
      tr.push({ x: v.years.concat([...v.years].reverse()), y: f.p05.concat([...f.p95].reverse()), fill: "toself", type: "scatter",
        mode: "lines", line: { width: 0 }, fillcolor: `rgba(${cols[pole]},0.15)`, hoverinfo: "skip", showlegend: false });
      tr.push({ x: v.years, y: f.median, type: "scatter", mode: "lines", line: { color: `rgb(${cols[pole]})`, width: 2, dash: pole === "china" ? "dash" : "solid" },
        name: { russia: "Russia", china: "China", west: "the West" }[pole], hovertemplate: "%{x}: %{y:.2f}<extra></extra>" });
    }
    Plotly.react("state-sphere", tr, { height: 360, margin: { l: 50, r: 10, t: 56, b: 40 },
      title: { text: `${esc(nameOf(v, iso))}: whose sphere (median, 90% band)`, font: { size: 13 }, x: 0.02 },
      shapes: projShape(v), legend: { orientation: "h", y: -0.18 }, yaxis: { range: [0, 1], title: { text: "share of the sphere" } },
      xaxis: { tickformat: "d" } }, plotCfg("state-sphere"));
  } else {
    $("state-sphere").replaceChildren(el("p", { class: "hint", text: "No sphere shares for this state in the run." }));
  }
  channelChart(v, iso);
  renderExports(d);
}

// a state's ideal point on the data's scale, with the poles (Russia's and the US's ideal points)
function idealChart(v, iso) {
  const tr = bandTraces(v.years, v.ideal_point[iso], BLUE, "", { x: "x", y: "y" }, true, "i");
  const cols = { russia: "179,88,6", us: "84,39,136" };
  for (const pole of ["russia", "us"]) {
    const f = (v.poles || {})[pole];
    if (!f) continue;
    tr.push({ x: v.years.concat([...v.years].reverse()), y: f.p05.concat([...f.p95].reverse()), fill: "toself", type: "scatter",
      mode: "lines", line: { width: 0 }, fillcolor: `rgba(${cols[pole]},0.12)`, hoverinfo: "skip", showlegend: false });
    tr.push({ x: v.years, y: f.median, type: "scatter", mode: "lines", line: { color: `rgb(${cols[pole]})`, width: 2, dash: "dash" },
      name: pole === "russia" ? "Russia" : "the US", hovertemplate: "%{x}: %{y:.2f}<extra></extra>" });
  }
  Plotly.react("state-ideal", tr, { height: 360, margin: { l: 50, r: 10, t: 56, b: 40 },
    title: { text: `${esc(nameOf(v, iso))}: UN ideal point, with Russia's and the US's`, font: { size: 13 }, x: 0.02 },
    shapes: projShape(v), legend: { orientation: "h", y: -0.18 }, yaxis: { title: { text: "ideal point (data's scale)" } },
    xaxis: { tickformat: "d" } }, plotCfg("state-ideal"));
}

const CHANNEL_STYLE = { trade: ["31,120,180", "solid"], arms: ["179,88,6", "dash"], security: ["84,39,136", "dot"], investment: ["27,120,55", "dashdot"] };

// Russia's share of each channel of a state's sphere (the model), with the observed trade and arms shares
function channelChart(v, iso) {
  const sc = (v.sphere_channels || {})[iso];
  if (!sc) {
    $("state-sphere-channels").replaceChildren(el("p", { class: "hint",
      text: "No shares per channel for this state in the run (runs made before they were kept have only the combined shares)." }));
    return;
  }
  const tr = [];
  for (const [c, [rgb, dash]] of Object.entries(CHANNEL_STYLE)) {
    const f = sc[c];
    if (!f) continue;
    tr.push({ x: v.years.concat([...v.years].reverse()), y: f.p05.concat([...f.p95].reverse()), fill: "toself", type: "scatter",
      mode: "lines", line: { width: 0 }, fillcolor: `rgba(${rgb},0.12)`, hoverinfo: "skip", showlegend: false });
    tr.push({ x: v.years, y: f.median, type: "scatter", mode: "lines", line: { color: `rgb(${rgb})`, width: 2, dash },
      name: c, hovertemplate: `%{x} ${c}: %{y:.2f}<extra></extra>` });
  }
  const c = (v.channels || {})[iso] || {};
  if (c.trade) tr.push({ x: [c.trade.year], y: [c.trade.russia], type: "scatter", mode: "markers", marker: { color: `rgb(${CHANNEL_STYLE.trade[0]})`, size: 8, symbol: "circle" },
    name: "observed trade", hovertemplate: "%{x} observed trade share with Russia: %{y:.2f}<extra></extra>" });
  if (c.arms) tr.push({ x: [c.arms.years[1]], y: [c.arms.russia], type: "scatter", mode: "markers", marker: { color: `rgb(${CHANNEL_STYLE.arms[0]})`, size: 8, symbol: "diamond" },
    name: `observed arms ${c.arms.years[0]}–${c.arms.years[1]}`, hovertemplate: "observed Russian share of arms imports: %{y:.2f}<extra></extra>" });
  Plotly.react("state-sphere-channels", tr, { height: 360, margin: { l: 50, r: 10, t: 56, b: 40 },
    title: { text: `${esc(nameOf(v, iso))}: Russia's share per channel (median, 90% band)`, font: { size: 13 }, x: 0.02 },
    shapes: projShape(v), legend: { orientation: "h", y: -0.18 }, yaxis: { range: [0, 1], title: { text: "Russia's share of the channel" } },
    xaxis: { tickformat: "d" } }, plotCfg("state-sphere-channels"));
}

// the neighbourhood's Alignment tab: Russia's share per channel of each neighbour, in small panels
function drawSphereGrid(v, actors) {
  const shown = actors.filter((a) => (v.sphere_channels || {})[a]);
  $("sphere-explain").hidden = !shown.length;
  if (!shown.length) {
    $("sphere-chart").replaceChildren(el("p", { class: "hint",
      text: "No shares per channel in this run (runs made before they were kept have only the combined shares)." }));
    return;
  }
  const layout = gridAxes(shown.length, 5, { range: [0, 1] });
  const traces = [];
  shown.forEach((a, i) => {
    const s = i === 0 ? "" : String(i + 1);
    const axis = { xaxis: `x${s}`, yaxis: `y${s}` };
    const all = (v.sphere[a] || {}).russia;
    if (all) {
      traces.push({ x: v.years.concat([...v.years].reverse()), y: all.p05.concat([...all.p95].reverse()), fill: "toself", type: "scatter",
        mode: "lines", line: { width: 0 }, fillcolor: "rgba(120,120,120,0.18)", hoverinfo: "skip", name: "all channels: 90% of worlds",
        showlegend: i === 0, legendgroup: "all90", ...axis });
      traces.push({ x: v.years, y: all.median, type: "scatter", mode: "lines", line: { color: "rgb(90,90,90)", width: 3 },
        name: "all channels (weighted)", showlegend: i === 0, legendgroup: "all", hovertemplate: "%{x} all channels: %{y:.2f}<extra></extra>", ...axis });
    }
    for (const [c, [rgb, dash]] of Object.entries(CHANNEL_STYLE)) {
      const f = v.sphere_channels[a][c];
      if (!f) continue;
      traces.push({ x: v.years, y: f.median, type: "scatter", mode: "lines", line: { color: `rgb(${rgb})`, width: 1.6, dash },
        name: c, showlegend: i === 0, legendgroup: c, hovertemplate: `%{x} ${c}: %{y:.2f}<extra></extra>`, ...axis });
    }
    subplotTitle(layout, i, esc(a));
  });
  for (let i = 0; i < shown.length; i++) layout[`xaxis${i ? i + 1 : ""}`].tickformat = "d";
  layout.title = { text: "Russia's share of each sphere, by channel (medians)", font: { size: 13 }, x: 0.01 };
  Plotly.react("sphere-chart", traces, layout, plotCfg("sphere-chart"));
}

// the observed channels of a state's sphere (data, not the model): trade and arms by pole
function channelTable(v, iso) {
  const c = (v.channels || {})[iso];
  if (!c) return el("p", { class: "hint", text: "No observed trade or arms data for this state." });
  const pc = (x) => (x === null || x === undefined ? "–" : `${Math.round(100 * x)}%`);
  const rows = [];
  if (c.trade) rows.push(["trade " + c.trade.year, c.trade]);
  if (c.arms) rows.push([`arms imports ${c.arms.years[0]}–${c.arms.years[1]}`, c.arms]);
  const t = el("table", { class: "data", id: "state-channels" },
    el("caption", { text: "Observed channels (data): share with each pole" }),
    el("thead", {}, el("tr", {}, ...["channel", "Russia", "China", "the West"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows.map(([name, x]) => el("tr", {}, el("td", { text: name }),
      el("td", { class: "num", text: pc(x.russia) }), el("td", { class: "num", text: pc(x.china) }), el("td", { class: "num", text: pc(x.west) })))));
  return el("div", {}, t, el("p", { class: "hint", text: "Trade: share of the state's trade (the West = US + EU27); arms: share of its imports " +
    "(SIPRI TIV; the West = US only). No bundled series for security ties or investment." }));
}

function projShape(v) {
  return v.observed_until && v.observed_until < v.years[v.years.length - 1] ? [{ type: "rect", xref: "x", yref: "paper", x0: v.observed_until + 0.5, x1: v.years[v.years.length - 1],
    y0: 0, y1: 1, fillcolor: "rgba(0,0,0,0.05)", line: { width: 0 }, layer: "below" }] : [];
}

/* ------------------------------------------------------------------ groups */

function drawGroups() {
  const v = S.view;
  if (!v || v.kind !== "world") return;
  const groups = Object.keys(v.group_means).filter((g) => g !== "russia");
  const vals = groups.flatMap((g) => v.group_means[g].model.concat(v.group_means[g].observed)).filter((x) => x !== null);
  const lo = Math.min(0, ...vals) - 0.1, hi = Math.max(1, ...vals) + 0.1;
  const layout = gridAxes(groups.length, 3, { range: [lo, hi] });
  layout.margin.t = 56;
  layout.height = Math.max(420, 220 * Math.ceil(groups.length / 3) + 80);
  const traces = [];
  groups.forEach((g, i) => {
    const s = i === 0 ? "" : String(i + 1);
    const m = v.group_means[g];
    traces.push({ x: v.years, y: m.model, type: "scatter", mode: "lines", line: { color: `rgb(${BLUE})`, width: 2 },
      name: "model: mean of the medians", showlegend: i === 0, legendgroup: "m", xaxis: `x${s}`, yaxis: `y${s}`,
      hovertemplate: "%{x} model: %{y:.2f}<extra></extra>" });
    traces.push({ x: v.years, y: m.observed, type: "scatter", mode: "markers", marker: { color: "#b35806", size: 4 },
      name: "data: mean of the observed", showlegend: i === 0, legendgroup: "o", xaxis: `x${s}`, yaxis: `y${s}`,
      hovertemplate: "%{x} observed: %{y:.2f}<extra></extra>" });
    subplotTitle(layout, i, `${esc(v.group_labels[g] || g)} (${m.states})`);
    layout[`xaxis${s}`].tickformat = "d";
  });
  Plotly.react("groups-chart", traces, layout, plotCfg("groups-chart"));
  const last = v.years.length - 1;
  const oi = v.years.indexOf(v.observed_until);
  const rows = groups.map((g) => ({ group: v.group_labels[g] || g, states: v.group_means[g].states,
    [`observed ${v.observed_until}`]: oi >= 0 ? v.group_means[g].observed[oi] : null,
    [`model ${v.observed_until}`]: oi >= 0 ? v.group_means[g].model[oi] : null,
    [`model ${v.years[last]}`]: v.group_means[g].model[last] }));
  dataTable($("groups-table"), rows, "groups");
}

/* ------------------------------------------------------------------ tables and exports */

const TABLES = {};
const EXPORT_TITLES = {};

function dataTable(table, rows, name, opts = {}) {
  TABLES[table.id] = { name, rows };
  const cols = rows.length ? Object.keys(rows[0]).filter((c) => !c.startsWith("_")) : [];
  const head = el("tr", {}, ...cols.map((c) => {
    if (!opts.sortable) return el("th", { scope: "col", text: c });
    const dir = opts.sort && opts.sort.col === c ? opts.sort.dir : 0;
    return el("th", { scope: "col", "aria-sort": dir ? (dir > 0 ? "ascending" : "descending") : "none" },
      el("button", { type: "button", class: "sort", text: c + (dir ? (dir > 0 ? " ▲" : " ▼") : ""),
        on: { click: () => opts.onSort(c) } }));
  }));
  const body = rows.map((r) => el("tr", {}, ...cols.map((c) => {
    const x = r[c];
    const digits = (opts.digits || {})[c];
    const text = digits !== undefined ? fmt(x, digits) : (Number.isInteger(x) && Math.abs(x) >= 2 ? String(x) : fmt(x));
    return typeof x === "number" ? el("td", { class: "num", text }) : el("td", { text: x === null || x === undefined ? "–" : String(x) });
  })));
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

function download(name, blob) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

function csvOf(rows) {
  if (!rows.length) return "";
  const cols = Object.keys(rows[0]).filter((c) => !c.startsWith("_"));
  const q = (x) => { const s = x === null || x === undefined ? "" : String(x); return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
  return [cols.map(q).join(","), ...rows.map((r) => cols.map((c) => q(r[c])).join(","))].join("\n") + "\n";
}

function mapSvgText(box) {
  const svg = box.querySelector("svg").cloneNode(true);
  const vb = svg.getAttribute("viewBox").split(" ").map(Number);
  const title = EXPORT_TITLES[box.id] || box.getAttribute("aria-label") || "";
  svg.setAttribute("viewBox", `0 -34 ${vb[2]} ${vb[3] + 34}`);
  svg.setAttribute("width", vb[2]);
  svg.setAttribute("height", vb[3] + 34);
  svg.querySelectorAll(".selected").forEach((p) => p.classList.remove("selected"));
  const ns = "http://www.w3.org/2000/svg";
  const t = document.createElementNS(ns, "text");
  t.setAttribute("x", "8"); t.setAttribute("y", "-12"); t.setAttribute("font-family", "sans-serif"); t.setAttribute("font-size", "15");
  t.textContent = title;
  svg.insertBefore(t, svg.firstChild);
  const lg = box.parentElement.querySelector(".legend-words");
  if (lg) {
    const c = document.createElementNS(ns, "text");
    c.setAttribute("x", "8"); c.setAttribute("y", String(vb[3] - 6)); c.setAttribute("font-family", "sans-serif"); c.setAttribute("font-size", "11");
    c.textContent = "Colours: " + [...lg.children].map((s) => s.textContent).join(" · ") + ". Shapes: Natural Earth (public domain).";
    svg.append(c);
  }
  return new XMLSerializer().serializeToString(svg);
}

async function exportMap(box, format) {
  const text = mapSvgText(box);
  const base = box.id;
  if (format === "svg") return download(`${base}.svg`, new Blob([text], { type: "image/svg+xml" }));
  const img = new Image();
  const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
  await new Promise((ok, bad) => { img.onload = ok; img.onerror = bad; img.src = url; });
  const c = document.createElement("canvas");
  c.width = img.width * 2; c.height = img.height * 2;
  const g = c.getContext("2d");
  g.fillStyle = "#fff"; g.fillRect(0, 0, c.width, c.height);
  g.drawImage(img, 0, 0, c.width, c.height);
  URL.revokeObjectURL(url);
  c.toBlob((b) => download(`${base}.png`, b), "image/png");
}

function renderExports(root = document) {
  root.querySelectorAll(".exports[data-export]").forEach((box) => {
    const id = box.dataset.export;
    const target = () => $(id);
    const label = (fmtName) => `download ${id.replace(/-/g, " ")} as ${fmtName}`;
    const btn = (text, fn) => el("button", { type: "button", class: "export", text, "aria-label": label(text), on: { click: () => {
      try { const r = fn(); if (r && r.catch) r.catch((e) => setStatus(e.message, true)); } catch (e) { setStatus(e.message, true); }
    } } });
    const t = target();
    let kids;
    if (t && t.tagName === "TABLE") {
      kids = [btn("CSV", () => { const d = TABLES[id]; if (d) download(`${d.name}.csv`, new Blob([csvOf(d.rows)], { type: "text/csv" })); }),
        btn("JSON", () => { const d = TABLES[id]; if (d) download(`${d.name}.json`, new Blob([JSON.stringify(d.rows, null, 1)], { type: "application/json" })); })];
    } else if (t && t.classList.contains("map")) {
      kids = [btn("PNG", () => exportMap(t, "png")), btn("SVG", () => exportMap(t, "svg"))];
    } else {
      kids = [btn("PNG", () => Plotly.downloadImage(t, { format: "png", filename: id, scale: 2 })),
        btn("SVG", () => Plotly.downloadImage(t, { format: "svg", filename: id }))];
    }
    box.replaceChildren(el("span", { class: "hint", text: "Download: " }), ...kids);
  });
}

function plotCfg(name) {
  return { responsive: true, displaylogo: false, toImageButtonOptions: { filename: name, scale: 2 },
    modeBarButtonsToRemove: ["lasso2d", "select2d"] };
}

/* ------------------------------------------------------------------ coalition what-if */

const C = { options: null, job: null, timer: null, result: null, prev: null, sort: { col: "P(no)", dir: -1 } };

async function initCoalition() {
  if (C.options) return;
  try { C.options = await api("/api/coalition/options"); } catch (e) { $("coal-status").textContent = e.message; return; }
  const o = C.options;
  fillSelect($("coal-kind"), o.kinds.map((k) => [k.name, pretty(k.name)]), "use_of_force");
  fillSelect($("coal-target"), o.states.map((s) => [s.iso3, `${s.name} (${s.iso3})`]), "UKR");
  fillSelect($("coal-resolution"), [["", "the kind the event implies"], ...o.resolutions.map((r) => [r, pretty(r)])], "");
  fillSelect($("coal-perspective"), [["", "base scenario (no overlay)"], ...o.perspectives.map((p) => [p.name, `${pretty(p.name)} — ${p.holder || ""}`])], "");
  fillSelect($("coal-hypothesis"), [["", "default"], ...o.hypotheses.map((h) => [h.name, pretty(h.name)])], "");
  $("coal-members").max = S.limits ? S.limits.max_coalition_members : 5000;
  $("coal-add-lever").addEventListener("click", () => addLever());
  $("coal-form").addEventListener("submit", (e) => { e.preventDefault(); runCoalition(); });
  $("coal-cancel").addEventListener("click", cancelCoalition);
  $("coal-form").addEventListener("input", coalCli);
  $("coal-form").addEventListener("change", coalCli);
  coalCli();
}

function addLever(preset = {}) {
  const o = C.options;
  const n = $("coal-levers").children.length;
  const id = (k) => `coal-lv-${k}-${n}`;
  const choices = [...o.levers.map((l) => [l.name, l.label]), ...o.parameters.map((p) => [p.path, p.label])];
  const what = el("select", { id: id("path"), class: "lv-path" });
  fillSelect(what, choices, preset.path || (choices[0] || [])[0]);
  const target = el("select", { id: id("target"), class: "lv-target" });
  fillSelect(target, [["", "every state"], ...o.states.map((s) => [s.iso3, s.name])], preset.target || "");
  const value = el("input", { type: "number", id: id("value"), class: "lv-value", step: "0.05", value: preset.value ?? 0.5 });
  const year = el("input", { type: "number", id: id("year"), class: "lv-year", min: 1993, max: 2100, placeholder: "whole span", value: preset.year ?? "" });
  const hint = el("p", { class: "hint lv-hint" });
  const showHint = () => {
    const p = o.parameters.find((x) => x.path === what.value) || o.levers.find((x) => x.name === what.value);
    hint.textContent = p ? `${p.description || ""}${p.value !== null && p.value !== undefined ? ` (scenario value ${fmt(p.value, 3)})` : ""}` : "";
  };
  what.addEventListener("change", showHint);
  const row = el("div", { class: "lever-row" },
    el("label", { for: id("path"), text: "Set" }), what,
    el("label", { for: id("target"), text: "for" }), target,
    el("label", { for: id("value"), text: "to" }), value,
    el("label", { for: id("year"), text: "from" }), year,
    el("button", { type: "button", text: "remove", "aria-label": "remove this lever", on: { click: () => { row.remove(); coalCli(); } } }), hint);
  $("coal-levers").append(row);
  showHint();
  coalCli();
}

function coalRequest() {
  const levers = [...$("coal-levers").querySelectorAll(".lever-row")].map((r) => ({
    path: r.querySelector(".lv-path").value, value: Number(r.querySelector(".lv-value").value),
    target: r.querySelector(".lv-target").value || null,
    year: r.querySelector(".lv-year").value ? Number(r.querySelector(".lv-year").value) : null }));
  return { scenario: C.options ? C.options.scenario : "russia-world", kind: $("coal-kind").value, target: $("coal-target").value,
    year: Number($("coal-year").value), resolution: $("coal-resolution").value || null,
    vote_year: $("coal-vote-year").value ? Number($("coal-vote-year").value) : null,
    perspective: $("coal-perspective").value || null, hypothesis: $("coal-hypothesis").value || null,
    levers, hindsight: $("coal-hindsight").checked, members: Number($("coal-members").value), seed: Number($("coal-seed").value) };
}

function coalCli() {
  const r = coalRequest();
  const parts = ["multipolar", "coalition", r.scenario, "--event", `${r.kind}:${r.target}@${r.year}`, "--members", r.members, "--seed", r.seed];
  if (r.resolution) parts.push("--resolution", r.resolution);
  if (r.vote_year) parts.push("--vote-year", r.vote_year);
  if (r.perspective) parts.push("--perspective", r.perspective);
  if (r.hypothesis) parts.push("--hypothesis", r.hypothesis);
  for (const l of r.levers) parts.push("--set", `${l.path}${l.target ? `[${l.target}]` : ""}=${num6(l.value)}${l.year ? "@" + l.year : ""}`);
  if (r.hindsight) parts.push("--hindsight");
  $("coal-cli").textContent = parts.join(" ");
}

async function runCoalition() {
  const st = $("coal-status");
  st.className = "";
  st.textContent = "asking…";
  let job;
  try { job = await api("/api/coalition", { method: "POST", body: JSON.stringify(coalRequest()) }); } catch (e) {
    st.textContent = e.message; st.className = "error"; return;
  }
  C.job = job;
  $("coal-run").disabled = true;
  $("coal-cancel").hidden = false;
  pollCoalition();
}

function pollCoalition() {
  clearTimeout(C.timer);
  const tick = async () => {
    let j;
    try { j = await api(`/api/coalition/${C.job.id}`); } catch (e) { $("coal-status").textContent = e.message; return; }
    C.job = j;
    const p = j.progress || {};
    const bar = $("coal-progress");
    bar.value = p.fraction || 0;
    bar.hidden = j.status !== "running";
    const counted = `${(p.members_done || 0).toLocaleString()} of ${(p.members_total || 0).toLocaleString()} members`;
    if (j.status === "running") {
      const left = p.eta_seconds === null || p.eta_seconds === undefined ? "" : `, about ${fmt(p.eta_seconds, 0)} s left`;
      const what = p.stage === "members" ? `${fmt(p.percent, 0)}% (${counted}${left})` : `${p.stage} (${counted})`;
      $("coal-status").textContent = `running, ${j.step}: ${what} — Cancel stops it`;
      C.timer = setTimeout(tick, 300);
      return;
    }
    if (j.status === "cancelled" && !j.stopped) {  // the computation stops at its next chunk
      $("coal-status").textContent = `cancelled after ${counted}; stopping…`;
      $("coal-cancel").hidden = true;
      C.timer = setTimeout(tick, 300);
      return;
    }
    $("coal-run").disabled = false;
    $("coal-cancel").hidden = true;
    if (j.status === "complete") {
      $("coal-status").textContent = `complete (${j.step === "from the store" ? "from the store, same settings as before" : fmt(j.seconds, 1) + " s"})`;
      showCoalition(j);
    } else {
      $("coal-status").className = j.status === "failed" ? "error" : "";
      $("coal-status").textContent = j.status === "failed" ? `${j.error.message}${j.error.fix ? "\nfix: " + j.error.fix : ""}` :
        `forecast ${j.status}${j.status === "cancelled" ? ` after ${counted}: stopped, nothing kept` : ""}`;
    }
  };
  tick();
}

async function cancelCoalition() {
  if (!C.job) return;
  try { await api(`/api/coalition/${C.job.id}/cancel`, { method: "POST" }); } catch (e) { $("coal-status").textContent = e.message; }
}

function likeliest(s) { return CLASSES.reduce((b, c) => (s[`p_${c}`] > s[`p_${b}`] ? c : b), "yes"); }

async function showCoalition(job) {
  const res = job.result;
  const ref = job.base ? { label: "the same forecast without the levers", result: job.base }
    : (C.result && C.result.job.id !== job.id ? { label: `the previous forecast (${C.result.job.settings.event}, ${C.result.job.settings.members} members)`, result: C.result.job.result } : null);
  C.result = { job };
  $("coal-results").hidden = false;
  const ev = res.event;
  const names = Object.fromEntries(res.states.map((s) => [s.iso3, s.name]));
  const res_kind = res.resolution && res.resolution.kind ? res.resolution.kind : (typeof res.resolution === "string" ? res.resolution : null);
  $("coal-title").textContent = `General Assembly vote${res_kind ? ` (${pretty(res_kind)})` : ""} after ${pretty(ev.kind)} by Russia against ${names[ev.target] || ev.target} in ${ev.year}` +
    (res.hindsight ? " — hindsight: within the fit's data" : "");
  $("coal-prov").textContent = `Settings: ${job.cli}. Vote model fitted through ${res.calibration.until}; ${res.calibration.members} members, seed ${res.calibration.seed}.`;
  // counts
  const rows = CLASSES.map((c) => {
    const t = res.totals[c];
    const r = { vote: VOTE_WORDS[c], expected: t.expected, "90% range": `${fmt(t.interval[0], 0)}–${fmt(t.interval[1], 0)}` };
    if (ref) r[`change vs ${ref.result === job.base ? "no levers" : "previous"}`] = Math.round(10 * (t.expected - ref.result.totals[c].expected)) / 10;
    return r;
  });
  dataTable($("coal-counts"), rows, "coalition-counts", { digits: Object.fromEntries(Object.keys(rows[0]).map((k) => [k, 1])) });
  // map of the most likely vote
  const by = Object.fromEntries(res.states.map((s) => [s.iso3, s]));
  const map = await ensureMap($("coal-map"));
  paint(map, (iso) => { const s = by[iso]; if (!s) return NO_DATA; const c = likeliest(s); return mix("#ffffff", VOTE[c], 0.3 + 0.7 * Math.min(1, (s[`p_${c}`] - 0.25) / 0.6)); });
  if (!$("coal-map")._tipped) { $("coal-map")._tipped = true; attachTip($("coal-map"), (iso) => coalTip(iso), null); }
  $("coal-legend").replaceChildren(...CLASSES.map((c) => el("span", { class: "swatch-item" }, el("span", { class: "swatch", style: `background:${VOTE[c]}` }), VOTE_WORDS[c])),
    el("p", { class: "hint", text: "Each state in the colour of its most likely vote; paler = less certain (probability near 1/4). Light grey: not a UN member." }));
  EXPORT_TITLES["coal-map"] = $("coal-title").textContent + ": most likely vote";
  // difference
  const dm = await ensureMap($("coal-diff-map"));
  if (!$("coal-diff-map")._tipped) { $("coal-diff-map")._tipped = true; attachTip($("coal-diff-map"), (iso) => coalTip(iso), null); }
  let moved = [];
  if (ref) {
    const rb = Object.fromEntries(ref.result.states.map((s) => [s.iso3, s]));
    C.ref = rb;
    const d = {};
    for (const s of res.states) if (rb[s.iso3]) {
      d[s.iso3] = s.p_no - rb[s.iso3].p_no;
      const change = Math.max(...CLASSES.map((c) => Math.abs(s[`p_${c}`] - rb[s.iso3][`p_${c}`])));
      moved.push({ state: s.name, "P(no) before": rb[s.iso3].p_no, "P(no) now": s.p_no, "largest change": change,
        _iso: s.iso3 });
    }
    const span = Math.max(0.05, ...Object.values(d).map(Math.abs));
    // more "no" (towards Russia) is orange, less is purple
    paint(dm, (iso) => (iso in d ? diffFill(-d[iso], span) : NO_DATA));
    legend($("coal-diff-legend"), PUOR, [`P(no) +${fmt(span)} (more with Russia)`, "no change", `P(no) −${fmt(span)} (fewer with Russia)`],
      `Against ${ref.label}.`);
    $("coal-diff-head").textContent = `What changed against ${ref.label}`;
    moved.sort((a, b) => b["largest change"] - a["largest change"]);
    moved = moved.slice(0, 10);
    EXPORT_TITLES["coal-diff-map"] = `Change in the probability of voting no, against ${ref.label}`;
  } else {
    C.ref = null;
    paint(dm, () => NO_DATA);
    $("coal-diff-legend").replaceChildren(el("p", { class: "hint", text: "Nothing to compare yet: add a lever (compared with the forecast without it) or change the question (compared with this one)." }));
    $("coal-diff-head").textContent = "What changed";
  }
  if (moved.length) dataTable($("coal-moved"), moved, "coalition-moved");
  else $("coal-moved").replaceChildren();
  C.rows = res.states.map((s) => ({ state: s.name, ISO: s.iso3, group: s.group, "most likely": likeliest(s), "P(yes)": s.p_yes,
    "P(abstain)": s.p_abstain, "P(no)": s.p_no, "P(absent)": s.p_absent, "P(no) 90%": `${fmt(s.interval.no[0])}–${fmt(s.interval.no[1])}` }));
  drawCoalTable();
  renderExports($("tab-coalition"));
}

function coalTip(iso) {
  const s = C.result && C.result.job.result.states.find((x) => x.iso3 === iso);
  if (!s) return null;
  let t = `${s.name} (${iso})\nmost likely: ${VOTE_WORDS[likeliest(s)]}\nyes ${fmt(s.p_yes)} · abstain ${fmt(s.p_abstain)} · no ${fmt(s.p_no)} · absent ${fmt(s.p_absent)}`;
  if (C.ref && C.ref[iso]) t += `\nP(no) before: ${fmt(C.ref[iso].p_no)}`;
  return t + (s.fixed ? "\n(set by the question)" : "");
}

function drawCoalTable() {
  const { col, dir } = C.sort;
  const rows = [...C.rows].sort((a, b) => {
    const x = a[col], y = b[col];
    return (typeof x === "number" ? x - y : String(x).localeCompare(String(y))) * dir;
  });
  dataTable($("coal-table"), rows, "coalition-states", { sortable: true, sort: C.sort,
    onSort: (c) => { C.sort = { col: c, dir: C.sort.col === c ? -C.sort.dir : (c === "state" || c === "ISO" || c === "group" ? 1 : -1) }; drawCoalTable();
      const b = [...$("coal-table").querySelectorAll("th button")].find((x) => x.textContent.startsWith(c)); if (b) b.focus(); } });
}

/* ------------------------------------------------------------------ compare map */

async function drawCompareMap(va, vb, cmp) {
  const box = $("cmp-map-box");
  const world = va.kind === "world" || vb.kind === "world";
  box.hidden = !world;
  if (!world) return;
  const map = await ensureMap($("cmp-map"));
  const d = {};
  for (const r of cmp.rows) if (r.diff !== null) d[r.actor_b.length === 3 ? r.actor_b : r.actor] = r.diff;
  const span = Math.max(0.05, ...Object.values(d).map(Math.abs));
  paint(map, (iso) => (iso in d ? diffFill(d[iso], span) : NO_DATA));
  legend($("cmp-legend"), PUOR, [`B closer to Russia (−${fmt(span)})`, "no difference", `B closer to the US (+${fmt(span)})`],
    "Difference of the median alignment, run B minus run A; light grey: a state not in both runs.");
  $("cmp-map-head").textContent = `Difference of median alignment in ${cmp.year}, B − A`;
  EXPORT_TITLES["cmp-map"] = `Median alignment ${cmp.year}, run ${cmp.b.id} minus run ${cmp.a.id}`;
  if (!$("cmp-map")._tipped) {
    $("cmp-map")._tipped = true;
    attachTip($("cmp-map"), (iso) => { const r = (S.cmpRows || []).find((x) => x.actor === iso || x.actor_b === iso);
      return r ? `${r.name}\nA ${fmt(r.a)} · B ${fmt(r.b)} · B − A ${fmt(r.diff)}` : null; },
    (iso) => { const r = (S.cmpRows || []).find((x) => x.actor === iso || x.actor_b === iso); if (r) { $("cmp-actor").value = r.actor; drawCompare(); } });
  }
}
