(function () {
"use strict";
var D = JSON.parse(document.getElementById("offload-data").textContent);
var VN = ["not run", "passed", "failed", "flaky", "skipped"];
var VC = ["notrun", "passed", "failed", "flaky", "skipped"];
var ON = ["passed", "failed", "error", "skipped"];
var T = D.tests, B = D.batches;
/* A merged report of several runs: [label, timestamp, offset, host] per
 * run, and each batch (b[6]) and test (t[6]) says its run, whose batch
 * and sandbox numbers are its own. */
var R = D.runs || [];
function runOf(x) { return R.length ? x[6] : 0; }
function runName(r) { return R.length ? R[r][0] + " " : ""; }
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function fmt(s) {
  if (!(s > 0)) return "0 s";
  if (s < 1) return (s * 1000).toFixed(0) + " ms";
  if (s < 60) return s.toFixed(2) + " s";
  var m = Math.floor(s / 60);
  return m + " min " + (s - 60 * m).toFixed(0) + " s";
}
function group(t) { return D.groups[t[1]] === undefined ? "" : D.groups[t[1]]; }
function verdict(v) { return el("span", "v c-" + VC[v], VN[v]); }
function where(t, a) {
  var s = [];
  if (R.length) s.push(R[t[6]][0]);
  if (a[2] >= 0) s.push("sandbox " + a[2]);
  if (a[3] >= 0) s.push("batch " + a[3]);
  if (a[6]) s.push("on " + a[6]);
  return s.join(", ");
}
function attClass(t, a) {
  if (a[0] === 1 || a[0] === 2) return t[2] === 3 ? "flaky" : "failed";
  return a[0] === 3 ? "skipped" : "passed";
}
var byNo = new Map();
B.forEach(function (b, i) { byNo.set(runOf(b) + ":" + b[0], i); });
var inBatch = B.map(function () { return []; });
T.forEach(function (t, ti) {
  t[5].forEach(function (a, ai) {
    var key = runOf(t) + ":" + a[3];
    if (a[3] >= 0 && byNo.has(key)) inBatch[byNo.get(key)].push([ti, ai]);
  });
});
var RANK = { none: 0, passed: 1, skipped: 1, flaky: 2, failed: 3 };
function batchClass(i) {
  var c = "none";
  inBatch[i].forEach(function (p) {
    var k = attClass(T[p[0]], T[p[0]][5][p[1]]);
    if (RANK[k] > RANK[c]) c = k;
  });
  return c;
}
/* A list shown a page at a time: never thousands of nodes at once. */
function pager(box, items, render, size) {
  var page = 0, nav = el("div", "pager"), body = el("div");
  var prev = el("button", "", "previous"), next = el("button", "", "next"), info = el("span", "muted");
  prev.type = next.type = "button";
  nav.appendChild(prev); nav.appendChild(next); nav.appendChild(info);
  function show() {
    var pages = Math.max(1, Math.ceil(items.length / size));
    if (page >= pages) page = pages - 1;
    body.textContent = "";
    items.slice(page * size, page * size + size).forEach(function (it, k) {
      body.appendChild(render(it, page * size + k));
    });
    info.textContent = " " + items.length + " in all, page " + (page + 1) + " of " + pages;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
    nav.style.display = items.length > size ? "" : "none";
  }
  prev.onclick = function () { page--; show(); };
  next.onclick = function () { page++; show(); };
  box.textContent = "";
  box.appendChild(nav);
  box.appendChild(body);
  show();
  return function (newItems) { items = newItems; page = 0; show(); };
}
function attemptBox(t, a, k) {
  var d = el("div");
  var line = "attempt " + (k + 1) + ": " + ON[a[0]] + ", " + fmt(a[1]);
  var w = where(t, a);
  if (w) line += ", " + w;
  d.appendChild(el("div", "", line));
  if (a[4]) d.appendChild(el("div", "muted", a[4]));
  if (a[5]) d.appendChild(el("pre", "out", a[5]));
  return d;
}
function testDetails(t, open, onlyFailed) {
  var d = el("details");
  var s = el("summary");
  s.appendChild(verdict(t[2]));
  s.appendChild(document.createTextNode(" " + t[0] + "  "));
  s.appendChild(el("span", "muted", group(t) + " " + fmt(t[3])));
  d.appendChild(s);
  function fill() {
    if (d.dataset.filled) return;
    d.dataset.filled = "1";
    if (t[4]) d.appendChild(el("div", "muted", "not run: " + t[4]));
    t[5].forEach(function (a, k) {
      if (!onlyFailed || a[0] === 1 || a[0] === 2) d.appendChild(attemptBox(t, a, k));
    });
    if (!t[5].length && !t[4]) d.appendChild(el("div", "muted", "no attempt recorded"));
  }
  if (open) { d.open = true; fill(); }
  d.addEventListener("toggle", fill);
  return d;
}
function section(id, items, render, size) {
  var box = document.getElementById(id);
  var h = document.getElementById(id + "-n");
  if (h) h.textContent = "(" + items.length + ")";
  if (!items.length) { box.appendChild(el("p", "muted", "none")); return; }
  pager(box, items, render, size);
}
function niceStep(x) {
  if (!(x > 0)) return 1;
  var p = Math.pow(10, Math.floor(Math.log10(x)));
  var m = [1, 2, 5, 10];
  for (var i = 0; i < m.length; i++) if (m[i] * p >= x) return m[i] * p;
  return 10 * p;
}
function timeline() {
  var host = document.getElementById("timeline-chart");
  if (!B.length) {
    host.appendChild(el("p", "muted", "No batch times in this report: it was not written by offload, or no batch ran."));
    return;
  }
  var lanes = new Map(), list = [];
  B.forEach(function (b, i) {
    var key = runOf(b) + ":" + b[1];
    if (!lanes.has(key)) {
      var L = { r: runOf(b), s: b[1], idx: [], host: b[5], busy: 0 };
      lanes.set(key, L);
      list.push(L);
    }
    lanes.get(key).idx.push(i);
    lanes.get(key).busy += b[3] - b[2];
  });
  list.sort(function (a, b) { return a.r - b.r || a.s - b.s; });
  var end = D.secs > 0 ? D.secs : 0;
  B.forEach(function (b) { if (b[3] > end) end = b[3]; });
  if (!(end > 0)) end = 1;
  /* a lane is there from its run's start to its run's last batch's end
   * (one run: the whole chart) */
  var runEnd = R.map(function () { return 0; });
  B.forEach(function (b) { if (R.length && b[3] > runEnd[b[6]]) runEnd[b[6]] = b[3]; });
  list.forEach(function (L) {
    L.w0 = R.length ? R[L.r][2] : 0;
    L.w1 = R.length ? Math.max(runEnd[L.r], L.w0) : end;
    L.label = runName(L.r) + "sandbox " + L.s;
  });
  var W = Math.max(640, (host.clientWidth || 1000) - 4), LW = 150, PW = W - LW - 8;
  var H = list.length > 40 ? 9 : list.length > 16 ? 14 : 22, G = 2, top = 18;
  var NS = "http://www.w3.org/2000/svg";
  function x(t) { return LW + t / end * PW; }
  function sv(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    parent.appendChild(e);
    return e;
  }
  var svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "tl");
  svg.setAttribute("width", W);
  svg.setAttribute("height", top + list.length * (H + G) + 4);
  var step = niceStep(end / 8);
  for (var t = 0; t <= end + 1e-9; t += step) {
    sv("line", { x1: x(t), x2: x(t), y1: top - 4, y2: top + list.length * (H + G), "class": "tick" }, svg);
    sv("text", { x: x(t) + 2, y: 12, "class": "ticklabel" }, svg).textContent = fmt(t);
  }
  list.forEach(function (L, li) {
    var y = top + li * (H + G);
    var g = sv("g", { "class": "lane", "data-sandbox": L.s }, svg);
    sv("rect", { x: x(L.w0), y: y, width: Math.max(1, x(L.w1) - x(L.w0)), height: H, "class": "idle" }, g);
    var label = L.label + (L.host ? " " + L.host : "");
    sv("text", { x: 2, y: y + H - 3, "class": "lanelabel" }, g).textContent =
      label.length > 24 ? label.slice(0, 23) + "\u2026" : label;
    var segs = { passed: "", failed: "", flaky: "", skipped: "" };
    L.idx.forEach(function (i) {
      var b = B[i], bx = x(b[2]), bw = Math.max(1, x(b[3]) - bx);
      sv("rect", { x: bx.toFixed(1), y: y, width: bw.toFixed(1), height: H,
                   "class": "batch b-" + batchClass(i), "data-batch": b[0] }, g);
      var known = 0;
      inBatch[i].forEach(function (p) { known += T[p[0]][5][p[1]][1]; });
      if (!(known > 0) || bw < 3) return;
      var scale = Math.min(1, (b[3] - b[2]) / known), t0 = b[2];
      inBatch[i].forEach(function (p) {
        var a = T[p[0]][5][p[1]], d = a[1] * scale, sx = x(t0), sw = x(t0 + d) - sx - 0.5;
        if (sw >= 0.5)
          segs[attClass(T[p[0]], a)] += "M" + sx.toFixed(1) + " " + (y + 2) + "h" + sw.toFixed(1) +
            "v" + (H - 4) + "h-" + sw.toFixed(1) + "z";
        t0 += d;
      });
    });
    for (var k in segs) if (segs[k]) sv("path", { d: segs[k], "class": "seg s-" + k }, g);
    L.y = y;
    L.idle = L.w1 > L.w0 ? Math.max(0, 1 - L.busy / (L.w1 - L.w0)) : 0;
  });
  host.appendChild(svg);
  var idle = 0;
  list.forEach(function (L) { idle += L.idle; });
  var leg = el("p", "legend");
  ["passed", "failed", "flaky", "skipped"].forEach(function (k) { leg.appendChild(el("span", "c-" + k, k)); });
  if (R.length)
    leg.appendChild(document.createTextNode(R.length + " runs, each placed by its start time: " +
      R.map(function (r) { return r[0] + (r[3] ? " on " + r[3] : "") + " at " + (r[1] || "?"); }).join(", ") +
      ". Batch and sandbox numbers are each run's own. "));
  leg.appendChild(document.createTextNode(list.length + " sandboxes, " + B.length + " batches, " +
    (100 * idle / list.length).toFixed(0) + " % idle on average (grey: a sandbox waiting). " +
    "Pale bars are batches, solid ones the tests in them; hover for details, click a batch for its tests."));
  host.appendChild(leg);
  var tip = document.getElementById("tip"), detail = document.getElementById("detail");
  function find(ev) {
    var r = svg.getBoundingClientRect(), px = ev.clientX - r.left, py = ev.clientY - r.top;
    var li = Math.floor((py - top) / (H + G));
    if (li < 0 || li >= list.length || px < LW) return null;
    var tm = (px - LW) / PW * end, L = list[li], hit = { lane: L, t: tm, b: -1, test: null };
    L.idx.forEach(function (i) { if (B[i][2] <= tm && tm <= B[i][3]) hit.b = i; });
    if (hit.b >= 0) {
      var b = B[hit.b], known = 0, t0 = b[2];
      inBatch[hit.b].forEach(function (p) { known += T[p[0]][5][p[1]][1]; });
      var scale = known > 0 ? Math.min(1, (b[3] - b[2]) / known) : 0;
      inBatch[hit.b].forEach(function (p) {
        var d = T[p[0]][5][p[1]][1] * scale;
        if (scale && t0 <= tm && tm < t0 + d) hit.test = p;
        t0 += d;
      });
    }
    return hit;
  }
  svg.addEventListener("mousemove", function (ev) {
    var h = find(ev);
    if (!h) { tip.style.display = "none"; return; }
    var L = h.lane, s = L.label + (L.host ? " on " + L.host : "") + ": idle " +
      (100 * L.idle).toFixed(0) + " %\n";
    if (h.b < 0) s += "idle at " + fmt(h.t);
    else {
      var b = B[h.b];
      s += "batch " + b[0] + ": " + fmt(b[2]) + " to " + fmt(b[3]) + " (" + fmt(b[3] - b[2]) + "), " +
        b[4] + " tests";
      if (h.test) {
        var tt = T[h.test[0]], a = tt[5][h.test[1]];
        s += "\n" + tt[0] + "\n" + ON[a[0]] + " in " + fmt(a[1]) + " (" + VN[tt[2]] + ")";
      }
    }
    tip.textContent = s;
    tip.style.display = "block";
    tip.style.left = Math.min(ev.clientX + 12, window.innerWidth - tip.offsetWidth - 4) + "px";
    tip.style.top = (ev.clientY + 14) + "px";
  });
  svg.addEventListener("mouseleave", function () { tip.style.display = "none"; });
  svg.addEventListener("click", function (ev) {
    var h = find(ev);
    if (!h || h.b < 0) return;
    var b = B[h.b];
    detail.textContent = "";
    detail.appendChild(el("h3", "", runName(runOf(b)) + "batch " + b[0] + " on sandbox " + b[1] + (b[5] ? " (" + b[5] + ")" : "") +
      ": " + fmt(b[3] - b[2]) + ", " + b[4] + " tests"));
    var box = el("div");
    detail.appendChild(box);
    pager(box, inBatch[h.b], function (p) {
      return testDetails(T[p[0]], false, false);
    }, 50);
  });
}
var failed = [], flaky = [], notrun = [];
T.forEach(function (t) {
  if (t[2] === 2) failed.push(t);
  else if (t[2] === 3) flaky.push(t);
  else if (t[2] === 0) notrun.push(t);
});
try { timeline(); } catch (e) {
  document.getElementById("timeline-chart").appendChild(el("p", "muted", "timeline not drawn: " + e));
}
section("failures", failed, function (t, k) { return testDetails(t, k < 20, true); }, 50);
section("flaky", flaky, function (t, k) { return testDetails(t, k < 5, false); }, 50);
section("notrun", notrun, function (t) {
  var d = el("div");
  d.appendChild(document.createTextNode(t[0] + "  "));
  d.appendChild(el("span", "muted", t[4] || "no result"));
  return d;
}, 100);
var slow = T.filter(function (t) { return t[3] > 0; }).sort(function (a, b) { return b[3] - a[3]; }).slice(0, 25);
section("slowest", slow, function (t) {
  var d = el("div");
  d.appendChild(el("span", "", fmt(t[3]) + "  "));
  d.appendChild(verdict(t[2]));
  d.appendChild(document.createTextNode(" " + t[0]));
  return d;
}, 25);
var allBox = document.getElementById("all"), filt = document.getElementById("filter"),
  which = document.getElementById("which");
var update = null;
function matching() {
  var q = filt.value, v = which.value;
  return T.filter(function (t) {
    return (v === "" || VC[t[2]] === v) && (q === "" || t[0].indexOf(q) >= 0);
  });
}
if (T.length) update = pager(allBox, T, function (t) { return testDetails(t, false, false); }, 100);
else allBox.appendChild(el("p", "muted", "none"));
function refilter() { if (update) update(matching()); }
filt.addEventListener("input", refilter);
which.addEventListener("change", refilter);
document.getElementById("warnings-n").textContent = "(" + D.warnings.length + ")";
section("warnings", D.warnings, function (w) { return el("pre", "", w); }, 50);
/* for tests/bench/report-html.sh: milliseconds from navigation to here */
document.documentElement.setAttribute("data-rendered-ms", String(Math.round(performance.now())));
})();
