// raftlab's page: draws each frame from /api/events and sends the
// controls to the JSON API. Plain JavaScript, no build step.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
const R = 200; // radius of the ring of nodes
let last = null; // the latest frame
let pos = []; // node centers on the ring
const dots = new Set(); // messages in flight
const MAX_DOTS = 160; // beyond this, heartbeats are not drawn

function el(tag, attrs = {}, parent) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function termColor(term) {
  return `hsl(${(term * 67 + 200) % 360} 65% 50%)`;
}

// The ring: links first, then nodes, then a layer for messages on top.
function buildRing(n) {
  const svg = $("ring");
  svg.textContent = "";
  pos = [];
  for (let i = 0; i < n; i++) {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    pos.push([R * Math.cos(a), R * Math.sin(a)]);
  }
  const links = el("g", { id: "links" }, svg);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      el("line", { class: "link", id: `link-${i}-${j}`, x1: pos[i][0], y1: pos[i][1], x2: pos[j][0], y2: pos[j][1] }, links);
  const nodes = el("g", {}, svg);
  for (let i = 0; i < n; i++) {
    const g = el("g", { class: "node", id: `ring-${i}`, transform: `translate(${pos[i][0]},${pos[i][1]})` }, nodes);
    el("circle", { class: "halo", r: 58 }, g);
    el("circle", { class: "body", r: 48 }, g);
    el("text", { class: "name", y: -8 }, g).textContent = `n${i}`;
    el("text", { class: "sub", y: 18 }, g);
    el("text", { class: "below", y: 72 }, g);
    el("title", {}, g).textContent = `node ${i}: click to crash or restart`;
    g.addEventListener("click", () => toggleNode(i));
  }
  el("g", { id: "msgs" }, svg);
}

function render(f) {
  if (!last || last.nodes.length !== f.nodes.length) buildRing(f.nodes.length);
  last = f;
  const side = {};
  f.groups.forEach((g, k) => g.forEach((id) => (side[id] = k)));
  for (const n of f.nodes) {
    const g = $(`ring-${n.id}`);
    g.setAttribute("class", `node ${n.role}`);
    g.querySelector(".body").style.fill = `var(--${n.role})`;
    g.querySelector(".sub").textContent = n.up ? `term ${n.term}` : "down";
    g.querySelector(".below").textContent = n.up ? `${n.role}${n.votedFor >= 0 ? ` · voted ${n.votedFor}` : ""}` : "crashed";
  }
  for (let i = 0; i < f.nodes.length; i++)
    for (let j = i + 1; j < f.nodes.length; j++)
      $(`link-${i}-${j}`).setAttribute("class", side[i] === side[j] ? "link" : "link cut");
  renderNodes(f);
  renderHeader(f);
  for (const fl of f.flows || []) launch(fl);
  for (const v of f.votes || []) launch({ from: v.from, to: v.to, rpc: "vote", n: 1, entries: 0 });
  for (const l of f.lines || []) addLine(l);
  renderWorkload(f.workload);
}

function renderHeader(f) {
  const leader = f.leader >= 0 ? f.nodes[f.leader] : null;
  const lp = $("leader");
  lp.textContent = leader ? `leader: node ${leader.id}` : "no leader";
  lp.className = leader ? "pill lead" : "pill warn";
  lp.dataset.leader = leader ? leader.id : "";
  $("term").textContent = `term ${Math.max(...f.nodes.map((n) => n.term))}`;
  const mode = [];
  if (f.groups.length > 1) mode.push(`partitioned: ${f.groups.map((g) => g.join(",")).join(" | ")}`);
  if (f.loss > 0 || f.delayMs > 0) mode.push(`loss ${Math.round(f.loss * 100)}% · delay ${f.delayMs}ms`);
  if (f.slowdown > 1) mode.push(`slow motion ${f.slowdown}×`);
  if (f.unsafe) mode.push("UNSAFE reads");
  $("mode").textContent = mode.join(" · ") || "network healthy";
  $("mode").className = mode.length ? "pill warn" : "pill good";
}

function renderNodes(f) {
  const box = $("nodes");
  if (box.children.length !== f.nodes.length) {
    box.textContent = "";
    for (const n of f.nodes) {
      const d = document.createElement("div");
      d.className = "node-card";
      d.id = `node-${n.id}`;
      d.innerHTML = `<div><span class="who">node ${n.id}</span><br><span class="role"></span></div>
        <div><div class="facts"></div><div class="log"></div></div><div><button class="crash danger">crash</button><button class="restart ok">restart</button></div>`;
      d.querySelector(".crash").onclick = () => post(`/api/nodes/${n.id}/crash`);
      d.querySelector(".restart").onclick = () => post(`/api/nodes/${n.id}/restart`);
      box.appendChild(d);
    }
  }
  for (const n of f.nodes) {
    const d = $(`node-${n.id}`);
    d.className = `node-card ${n.role}`;
    const role = d.querySelector(".role");
    role.className = `role ${n.role}`;
    role.textContent = n.role;
    d.querySelector(".facts").textContent = n.up
      ? `term ${n.term} · vote ${n.votedFor >= 0 ? n.votedFor : "–"} · commit ${n.commitIndex} · applied ${n.lastApplied} · keys ${n.keys}`
      : `down · log kept on disk up to ${n.lastIndex || (n.log.length ? n.log[n.log.length - 1].i : 0)}`;
    d.querySelector(".crash").hidden = !n.up;
    d.querySelector(".restart").hidden = n.up;
    const log = d.querySelector(".log");
    log.textContent = "";
    if (n.log.length) {
      const first = document.createElement("span");
      first.className = "first";
      first.textContent = `#${n.log[0].i}`;
      log.appendChild(first);
    }
    for (const e of n.log) {
      const b = document.createElement("span");
      let cls = "e";
      if (e.i > n.commitIndex) cls += " uncommitted";
      if (e.i <= n.snapIndex) cls += " compacted";
      if (e.i === n.lastApplied) cls += " applied";
      b.className = cls;
      b.style.background = termColor(e.t);
      b.title = `entry ${e.i}, term ${e.t}`;
      log.appendChild(b);
    }
  }
}

// launch animates one flow of messages from one node to another.
function launch(fl) {
  if (!pos[fl.from] || !pos[fl.to]) return;
  const heartbeat = fl.rpc === "AppendEntries" && fl.entries === 0;
  if (heartbeat && dots.size > MAX_DOTS / 2) return;
  if (dots.size > MAX_DOTS) return;
  const kind = { AppendEntries: heartbeat ? "hb" : "ae", RequestVote: "rv", InstallSnapshot: "snap", vote: "vote", TimeoutNow: "rv" }[fl.rpc] || "hb";
  const layer = $("msgs");
  const g = el("g", {}, layer);
  const r = heartbeat ? 6 : kind === "ae" ? 9 + Math.min(6, Math.log2(1 + fl.entries)) : 10;
  if (kind === "snap") el("rect", { x: -10, y: -10, width: 20, height: 20, fill: "var(--snap)" }, g);
  else el("circle", { r, fill: `var(--${kind})` }, g);
  if (kind === "ae") el("text", { class: "msg-label", y: -14 }, g).textContent = `+${fl.entries}`;
  if (kind === "vote") el("text", { class: "msg-label", y: -14, style: "fill: var(--vote)" }, g).textContent = "✓";
  const slow = last ? last.slowdown : 1;
  dots.add({ g, from: pos[fl.from], to: pos[fl.to], start: performance.now(), dur: Math.min(4000, 420 * Math.sqrt(slow)) });
}

function animate(now) {
  for (const d of dots) {
    const p = (now - d.start) / d.dur;
    if (p >= 1) {
      d.g.remove();
      dots.delete(d);
      continue;
    }
    // Start and end at the circles' edges, not their centers.
    const s = 0.24 + 0.52 * p;
    const x = d.from[0] + (d.to[0] - d.from[0]) * s;
    const y = d.from[1] + (d.to[1] - d.from[1]) * s;
    d.g.setAttribute("transform", `translate(${x},${y})`);
  }
  requestAnimationFrame(animate);
}
requestAnimationFrame(animate);

function addLine(l) {
  const ol = $("lines");
  const li = document.createElement("li");
  if (/LEADER|CRASHED|PARTITION|healed|restarted/.test(l.text)) li.className = "big";
  if (/NOT LINEARIZABLE|FAILED/.test(l.text)) li.className = "bad";
  li.innerHTML = `<span class="t"></span><span class="x"></span>`;
  li.querySelector(".t").textContent = (l.t / 1000).toFixed(1) + "s";
  li.querySelector(".x").textContent = l.text;
  const atBottom = ol.scrollTop + ol.clientHeight >= ol.scrollHeight - 30;
  ol.appendChild(li);
  while (ol.children.length > 300) ol.firstChild.remove();
  if (atBottom) ol.scrollTop = ol.scrollHeight;
}

let shownWorkload = 0;
function renderWorkload(w) {
  const box = $("workload");
  if (!w) return;
  const verdict = w.verdict ? ` — <span class="${w.verdict}">${w.verdict === "ok" ? "linearizable ✓" : w.verdict === "illegal" ? "NOT linearizable ✗" : "checker gave up"}</span>` : w.running ? " — running…" : "";
  box.innerHTML = `workload ${w.id}: ${w.clients} clients${w.unsafe ? " (unsafe reads)" : ""}, ${w.ops} ops in ${w.elapsed.toFixed(1)}s (${Math.round(w.opsPerSec)}/s), ${w.unknown} with unknown outcome${verdict}`;
  if (w.verdict && shownWorkload !== w.id) {
    shownWorkload = w.id;
    fetch("/api/workload").then((r) => r.json()).then(showVerdict);
  }
}

// showVerdict draws the operations around a violation as bars per client:
// green = linearized, red = the operations that could come next and cannot.
function showVerdict(res) {
  const panel = $("verdict-panel");
  panel.hidden = false;
  $("verdict-title").textContent = res.verdict === "illegal" ? `Workload ${res.id}: not linearizable — ${res.timeline.key}` : `Workload ${res.id}: ${res.verdict === "ok" ? "linearizable" : "verdict unknown"} (${res.ops} operations)`;
  $("report").textContent = res.report || "Every operation can be placed at one instant between its call and its return, in an order that explains every answer.";
  const svg = $("timeline");
  svg.textContent = "";
  if (!res.timeline) { svg.setAttribute("height", 0); return; }
  const ops = res.timeline.ops;
  const clients = [...new Set(ops.map((o) => o.client))].sort((a, b) => a - b);
  const end = Math.max(...ops.map((o) => (o.return < 0 ? o.call + 1 : o.return)));
  const W = 1100, left = 90, row = 34;
  svg.setAttribute("viewBox", `0 0 ${W} ${clients.length * row + 40}`);
  svg.setAttribute("height", clients.length * row + 40);
  const x = (t) => left + ((W - left - 20) * t) / (end || 1);
  clients.forEach((c, k) => {
    el("text", { x: 4, y: k * row + 26 }, svg).textContent = `client ${c}`;
  });
  for (const o of ops) {
    const k = clients.indexOf(o.client);
    const g = el("g", { class: "op" }, svg);
    const x1 = x(o.call), x2 = o.return < 0 ? W - 20 : Math.max(x(o.return), x1 + 4);
    const fill = o.blocked ? "#f3c2b3" : o.linearized >= 0 ? "#cfe9d9" : "#e6ebf1";
    const stroke = o.blocked ? "#b23c17" : o.linearized >= 0 ? "#1f9d55" : "#9aa5b1";
    el("rect", { x: x1, y: k * row + 8, width: x2 - x1, height: row - 10, fill, stroke, "stroke-dasharray": o.return < 0 ? "4 3" : "" }, g);
    el("text", { x: x1 + 4, y: k * row + 27 }, g).textContent = (o.linearized >= 0 ? `${o.linearized + 1}. ` : "") + o.desc;
    el("title", {}, g).textContent = o.desc + (o.blocked ? `\ncannot come next: ${o.blocked}` : "") + `\n${o.call.toFixed(1)}ms → ${o.return < 0 ? "no answer" : o.return.toFixed(1) + "ms"}`;
  }
  el("text", { x: left, y: clients.length * row + 32, fill: "#5b6b7c" }, svg).textContent =
    `green: the longest order found (numbered) · red: what could come next, and why it cannot · key state then: ${res.timeline.state}`;
}

// The event stream, with a counter of what arrives.
let frames = 0, events = 0;
function connect() {
  const es = new EventSource("/api/events");
  es.addEventListener("frame", (m) => {
    const f = JSON.parse(m.data);
    frames++;
    events += f.events;
    render(f);
    $("conn").textContent = "live";
    $("conn").className = "pill good";
  });
  es.onerror = () => {
    $("conn").textContent = "disconnected, retrying…";
    $("conn").className = "pill warn";
  };
}
setInterval(() => {
  $("rate").textContent = `${frames} frames/s · ${events} raft events/s`;
  frames = events = 0;
}, 1000);

async function post(path, body) {
  const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) addLine({ t: last ? last.t : 0, text: `error: ${data.error || r.status}` });
  return data;
}

function toggleNode(i) {
  if (!last) return;
  post(`/api/nodes/${i}/${last.nodes[i].up ? "crash" : "restart"}`);
}

function parseGroups(text) {
  return text.split("|").map((g) => g.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number));
}

$("crash-leader").onclick = () => { if (last && last.leader >= 0) post(`/api/nodes/${last.leader}/crash`); };
$("restart-all").onclick = () => { if (last) last.nodes.filter((n) => !n.up).forEach((n) => post(`/api/nodes/${n.id}/restart`)); };
$("isolate-leader").onclick = () => {
  if (!last || last.leader < 0) return;
  post("/api/partition", { groups: [[last.leader], last.nodes.map((n) => n.id).filter((id) => id !== last.leader)] });
};
$("split").onclick = () => post("/api/partition", { groups: [[0, 1], [2, 3, 4]] });
$("partition").onclick = () => post("/api/partition", { groups: parseGroups($("groups").value) });
$("heal").onclick = () => post("/api/heal");
for (const id of ["loss", "delay"]) {
  $(id).oninput = () => {
    $("loss-out").textContent = `${$("loss").value}%`;
    $("delay-out").textContent = `${$("delay").value}ms`;
  };
  $(id).onchange = () => post("/api/faults", { loss: $("loss").value / 100, delayMs: Number($("delay").value) });
}
$("slowdown").onchange = () => post("/api/clock", { slowdown: Number($("slowdown").value) });
$("put").onclick = async () => {
  $("put-out").textContent = "…";
  const r = await post("/api/command", { key: $("key").value, value: $("value").value });
  $("put-out").textContent = r.error ? "" : `committed: revision ${r.revision}`;
};
$("run-workload").onclick = () =>
  post("/api/workload", { clients: Number($("clients").value), seconds: Number($("seconds").value), unsafe: $("unsafe").checked });

connect();
