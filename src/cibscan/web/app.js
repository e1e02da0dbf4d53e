/* cibscan's front-end: one script for the self-contained report and the local dashboard.
 *
 * Safety rule: every string that comes from the data (post texts, handles, names, bios,
 * URLs) was possibly written by an adversary. It only ever reaches the page as a text node
 * (textContent) or an SVG <title>; this file never assigns innerHTML, never calls
 * insertAdjacentHTML or document.write, and only sets href to our own routes.
 */
(function () {
  "use strict";

  const MODE = document.body.dataset.mode; // "report" or "dashboard"
  const SVG = "http://www.w3.org/2000/svg";
  const INTERNAL_HREF = /^(#\/|\/api\/)/;
  const DECISIONS = [
    ["confirmed", "Confirmed"],
    ["needs-review", "Needs review"],
    ["dismissed", "Dismissed"],
  ];

  // --- DOM helpers: data goes in as text, never as markup ------------------------------

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    setProps(el, props);
    append(el, children);
    return el;
  }

  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) el.setAttribute(k, String(v));
    }
    append(el, children);
    return el;
  }

  function setProps(el, props) {
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = String(v);
      else if (k === "style") Object.assign(el.style, v);
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "href") {
        if (INTERNAL_HREF.test(String(v))) el.setAttribute("href", String(v));
      } else el.setAttribute(k, String(v));
    }
  }

  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  const fmt = {
    n(v) {
      return v === null || v === undefined ? "–" : Number(v).toLocaleString("en");
    },
    score(v) {
      return v === null || v === undefined ? "–" : Number(v).toFixed(3);
    },
    q(v) {
      if (v === null || v === undefined) return "–";
      return v === 0 ? "< 1e-300" : Number(v).toExponential(1);
    },
    gap(sec) {
      if (sec === null || sec === undefined) return "";
      if (sec < 120) return sec + " s";
      if (sec < 7200) return Math.round(sec / 60) + " min";
      return (sec / 3600).toFixed(1) + " h";
    },
  };

  function route(kind, id) {
    return "#/" + kind + "/" + encodeURIComponent(String(id));
  }

  // Statuses are fixed values (cibscan.status); the words shown come with the data.
  const BADGE_CLASS = { operation: "badge op", campaign: "badge op", crowd: "badge crowd", coordinated: "badge review", review: "badge review" };
  const STATUS_WORDS = { campaign: "campaign", coordinated: "coordinated, unassessed", crowd: "crowd", review: "review", none: "not listed" };

  function badge(status, words) {
    const cls = BADGE_CLASS[status] || "badge";
    return h("span", { class: cls, text: words || STATUS_WORDS[status] || status || "not listed" });
  }

  function decisionBadge(review) {
    if (!review) return null;
    return h("span", {
      class: "badge decision " + review.decision,
      text: review.decision,
      title: "by " + (review.reviewer || "?") + " at " + review.decided_at,
    });
  }

  // --- where the data comes from --------------------------------------------------------

  class ReportStore {
    constructor(data) {
      this.data = data;
      this.canReview = false;
    }
    overview() {
      return Promise.resolve(this.data.overview);
    }
    extras() {
      return Promise.resolve({
        review_list: this.data.review_list,
        amplified_posts: this.data.amplified_posts,
      });
    }
    earlierReviews() {
      return Promise.resolve([]);
    }
    campaigns() {
      return Promise.resolve(this.data.campaigns);
    }
    campaign(id) {
      return Promise.resolve(this.data.campaign_details[String(id)] || null);
    }
    account(id) {
      return Promise.resolve(this.data.accounts[id] || null);
    }
    graph(onChunk) {
      onChunk(this.data.graph, true);
      return Promise.resolve();
    }
    reviews() {
      return Promise.resolve({});
    }
  }

  class ApiStore {
    constructor() {
      this.token = new URLSearchParams(location.search).get("token") || "";
      this.canReview = true;
    }
    headers(extra) {
      const out = Object.assign({ Accept: "application/json" }, extra || {});
      if (this.token) out["X-Cibscan-Token"] = this.token;
      return out;
    }
    async get(path, params) {
      const url = new URL(path, location.origin);
      for (const [k, v] of Object.entries(params || {})) {
        if (v !== "" && v !== null && v !== undefined) url.searchParams.set(k, v);
      }
      const res = await fetch(url, { headers: this.headers() });
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(path + ": " + res.status + " " + (await res.text()));
      return res.json();
    }
    exportHref(name) {
      return "/api/export/" + name + (this.token ? "?token=" + encodeURIComponent(this.token) : "");
    }
    overview() {
      return this.get("/api/overview");
    }
    extras() {
      return this.get("/api/extras");
    }
    campaigns(filters) {
      return this.get("/api/campaigns", filters);
    }
    campaign(id) {
      return this.get("/api/campaigns/" + encodeURIComponent(id));
    }
    account(id) {
      return this.get("/api/accounts/" + encodeURIComponent(id));
    }
    async graph(onChunk) {
      let offset = 0;
      for (;;) {
        const chunk = await this.get("/api/graph", { offset: offset, limit: 4000 });
        onChunk(chunk, chunk.done);
        if (chunk.done) return;
        offset = chunk.next_offset;
      }
    }
    earlierReviews() {
      return this.get("/api/reviews-earlier");
    }
    async reviews() {
      const rows = await this.get("/api/reviews");
      const out = {};
      for (const r of rows) out[r.kind + ":" + r.target] = r;
      return out;
    }
    async review(kind, target, decision, note, reviewer) {
      // one id per decision: if the answer is lost, the retry records nothing twice
      const request_id = crypto.getRandomValues(new Uint32Array(4)).join("-");
      const body = JSON.stringify({ kind, target: String(target), decision, note, reviewer, request_id });
      let res;
      for (let attempt = 0; ; attempt++) {
        try {
          res = await fetch("/api/reviews", { method: "POST", headers: this.headers({ "Content-Type": "application/json" }), body });
          break;
        } catch (e) {
          if (attempt >= 2) throw e;
        }
      }
      if (!res.ok) throw new Error("saving the decision failed: " + (await res.text()));
      return res.json();
    }
    history(kind, target) {
      return this.get("/api/reviews/" + kind + "/" + encodeURIComponent(target));
    }
  }

  // --- charts ---------------------------------------------------------------------------

  const BAND_COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00"];
  const OTHERS_COLOUR = "#b8bec6";

  function timelineChart(tl) {
    if (!tl || !tl.buckets) return h("p", { class: "muted", text: "No posts saved for this group." });
    const W = 900;
    const H = 180;
    const pad = { l: 40, r: 8, t: 8, b: 24 };
    const n = tl.buckets;
    const totals = new Float64Array(n);
    for (const band of tl.bands) for (const [i, c] of band.counts) totals[i] += c;
    let max = 1;
    for (const v of totals) max = Math.max(max, v);
    const bw = (W - pad.l - pad.r) / n;
    const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
    const svg = s("svg", { viewBox: "0 0 " + W + " " + H, class: "chart", role: "img" });
    const base = new Float64Array(n);
    tl.bands.forEach((band, k) => {
      const colour = band.account_id === null ? OTHERS_COLOUR : BAND_COLOURS[k % BAND_COLOURS.length];
      const g = s("g", { fill: colour });
      for (const [i, c] of band.counts) {
        const y0 = y(base[i]);
        const y1 = y(base[i] + c);
        base[i] += c;
        g.append(
          s("rect", { x: pad.l + i * bw, y: y1, width: Math.max(bw, 1), height: Math.max(y0 - y1, 0.5) },
            s("title", {}, band.label + ": " + c + " posts")),
        );
      }
      svg.append(g);
    });
    const start = Date.parse(tl.start.replace(" ", "T") + "Z");
    const unit = tl.bucket_seconds === 3600 ? "hour" : tl.bucket_seconds === 86400 ? "day" : "week";
    svg.append(s("line", { x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b, class: "axis" }));
    svg.append(s("text", { x: pad.l - 4, y: pad.t + 10, "text-anchor": "end", class: "tick" }, String(max)));
    svg.append(s("text", { x: pad.l - 4, y: H - pad.b, "text-anchor": "end", class: "tick" }, "0"));
    for (let k = 0; k <= 4; k++) {
      const i = Math.round((k * (n - 1)) / 4);
      const when = new Date(start + i * tl.bucket_seconds * 1000).toISOString();
      const label = unit === "hour" ? when.slice(5, 13).replace("T", " ") + "h" : when.slice(0, 10);
      svg.append(s("text", { x: pad.l + i * bw, y: H - 6, "text-anchor": k === 0 ? "start" : k === 4 ? "end" : "middle", class: "tick" }, label));
    }
    const legend = h("div", { class: "legend" },
      tl.bands.map((band, k) =>
        h("span", { class: "key" },
          h("i", { style: { background: band.account_id === null ? OTHERS_COLOUR : BAND_COLOURS[k % BAND_COLOURS.length] } }),
          band.account_id ? h("a", { href: route("account", band.account_id), text: band.label }) : band.label)));
    return h("figure", { class: "timeline" }, svg, legend,
      h("figcaption", { text: "Posts per " + unit + " (UTC), the busiest members stacked apart." }));
  }

  const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

  function heatMap(counts, title, colour) {
    const cell = 14;
    const left = 30;
    const top = 14;
    const svg = s("svg", { viewBox: "0 0 " + (left + 24 * cell + 4) + " " + (top + 7 * cell + 4), class: "heat", role: "img" });
    let max = 0;
    for (const v of counts) max = Math.max(max, v);
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    for (let d = 0; d < 7; d++) {
      svg.append(s("text", { x: left - 4, y: top + d * cell + 11, "text-anchor": "end", class: "tick" }, DAYS[d]));
      for (let hr = 0; hr < 24; hr++) {
        const v = counts[d * 24 + hr];
        svg.append(s("rect", {
          x: left + hr * cell, y: top + d * cell, width: cell - 1, height: cell - 1,
          fill: colour, "fill-opacity": max ? (0.04 + 0.96 * v / max).toFixed(3) : 0.04,
        }, s("title", {}, DAYS[d] + " " + String(hr).padStart(2, "0") + ":00 UTC: " + v + " posts (" + (100 * v / total).toFixed(1) + "%)")));
      }
    }
    for (const hr of [0, 6, 12, 18]) {
      svg.append(s("text", { x: left + hr * cell, y: 10, class: "tick" }, String(hr).padStart(2, "0")));
    }
    return h("figure", { class: "heatmap" }, svg, h("figcaption", { text: title }));
  }

  // --- the network ------------------------------------------------------------------------

  class Network {
    constructor(container, onPick) {
      this.container = container;
      this.onPick = onPick;
      this.graph = new graphology.Graph({ type: "undirected", multi: false });
      this.highlight = null; // campaign id or node id to keep bright
      this.renderer = null;
      this.failed = false;
    }
    start() {
      try {
        this.renderer = new Sigma(this.graph, this.container, {
          allowInvalidContainer: true,
          labelRenderedSizeThreshold: 7,
          defaultEdgeColor: "#d5d9de",
          zIndex: true,
          nodeReducer: (node, data) => this.reduceNode(node, data),
          edgeReducer: (edge, data) => this.reduceEdge(edge, data),
        });
      } catch (err) {
        // No WebGL (some locked-down browsers): say so rather than break the page.
        this.failed = true;
        clear(this.container).append(h("p", { class: "muted", text: "The network needs WebGL, which this browser does not offer: " + err.message }));
        return;
      }
      this.renderer.on("clickNode", (e) => this.onPick(e.node));
      this.renderer.on("enterNode", () => { this.container.style.cursor = "pointer"; });
      this.renderer.on("leaveNode", () => { this.container.style.cursor = ""; });
    }
    add(chunk) {
      for (const [id, label, x, y, size, campaign, color, status] of chunk.nodes) {
        this.graph.mergeNode(id, { label, x, y, size, campaign, color, status });
      }
      for (const [a, b, w] of chunk.edges) {
        // the report sends node positions in its one chunk; the API sends account ids
        const na = typeof a === "string" ? a : chunk.nodes[a][0];
        const nb = typeof b === "string" ? b : chunk.nodes[b][0];
        if (this.graph.hasNode(na) && this.graph.hasNode(nb)) this.graph.mergeEdge(na, nb, { size: 0.3 + w, weight: w });
      }
    }
    reduceNode(node, data) {
      const hl = this.highlight;
      if (!hl) return data;
      const on = hl.node ? node === hl.node || this.graph.areNeighbors(node, hl.node) : data.campaign === hl.campaign;
      if (on) return Object.assign({}, data, { zIndex: 1, highlighted: hl.node === node, forceLabel: hl.node === node });
      return Object.assign({}, data, { color: "#e4e7eb", label: "", zIndex: 0 });
    }
    reduceEdge(edge, data) {
      const hl = this.highlight;
      if (!hl) return data;
      const [a, b] = this.graph.extremities(edge);
      const on = hl.node ? a === hl.node || b === hl.node : this.graph.getNodeAttribute(a, "campaign") === hl.campaign && this.graph.getNodeAttribute(b, "campaign") === hl.campaign;
      return on ? Object.assign({}, data, { color: "#8a96a3" }) : Object.assign({}, data, { hidden: true });
    }
    focus(what) {
      this.highlight = what;
      if (!this.renderer) return;
      this.renderer.refresh();
      let target = null;
      if (what && what.node && this.graph.hasNode(what.node)) target = this.renderer.getNodeDisplayData(what.node);
      if (what && what.campaign !== undefined) {
        let sx = 0, sy = 0, k = 0;
        this.graph.forEachNode((n, a) => {
          if (a.campaign === what.campaign) { const d = this.renderer.getNodeDisplayData(n); sx += d.x; sy += d.y; k++; }
        });
        if (k) target = { x: sx / k, y: sy / k };
      }
      const camera = this.renderer.getCamera();
      if (target) camera.animate({ x: target.x, y: target.y, ratio: what.node ? 0.25 : 0.45 }, { duration: 300 });
      else camera.animate({ x: 0.5, y: 0.5, ratio: 1 }, { duration: 300 });
    }
    search(text) {
      const q = text.trim().toLowerCase();
      if (!q) return null;
      let best = null;
      this.graph.forEachNode((n, a) => {
        if (best) return;
        if (n.toLowerCase() === q || String(a.label).toLowerCase() === q) best = n;
      });
      if (!best) {
        this.graph.forEachNode((n, a) => {
          if (!best && (n.toLowerCase().includes(q) || String(a.label).toLowerCase().includes(q))) best = n;
        });
      }
      return best;
    }
  }

  // --- views ----------------------------------------------------------------------------

  class App {
    constructor(store) {
      this.store = store;
      this.decisions = {};
      this.reviewer = remembered("cibscan-reviewer") || "";
      this.els = {
        summary: document.getElementById("summary"),
        list: document.getElementById("campaigns"),
        filters: document.getElementById("filters"),
        detail: document.getElementById("detail"),
        network: document.getElementById("network"),
        status: document.getElementById("graph-status"),
        search: document.getElementById("search"),
        tools: document.getElementById("tools"),
        error: document.getElementById("error"),
      };
      this.net = new Network(this.els.network, (node) => { location.hash = route("account", node); });
    }

    fail(err) {
      const box = this.els.error;
      box.hidden = false;
      box.textContent = String(err && err.message ? err.message : err);
    }

    async start() {
      this.overview = await this.store.overview();
      if (this.overview.reviews_enabled === false) this.store.canReview = false;
      document.title = this.overview.title + " · cibscan";
      this.decisions = await this.store.reviews();
      this.drawSummary();
      this.drawTools();
      if (MODE === "dashboard") this.drawFilters();
      await this.loadCampaigns();
      this.els.search.addEventListener("keydown", (e) => {
        if (e.key !== "Enter") return;
        const node = this.net.search(this.els.search.value);
        if (node) location.hash = route("account", node);
        else this.els.status.textContent = "No account matches “" + this.els.search.value + "”.";
      });
      window.addEventListener("hashchange", () => this.show().catch((e) => this.fail(e)));
      await this.show();
      this.net.start();
      let nodes = 0;
      await this.store.graph((chunk, done) => {
        this.net.add(chunk);
        nodes += chunk.nodes.length;
        this.els.status.textContent = fmt.n(nodes) + " accounts" + (done ? "" : ", loading…") +
          (chunk.edges_left_out ? " (" + fmt.n(chunk.edges_left_out) + " weakest links not drawn)" : "");
      });
      this.refocus();
      document.body.dataset.ready = "true";
    }

    drawSummary() {
      const o = this.overview;
      const stat = (label, value) => h("div", { class: "stat" }, h("b", { text: value }), h("span", { text: label }));
      clear(this.els.summary).append(
        h("h1", { text: o.title }),
        h("div", { class: "stats" },
          stat("posts", fmt.n(o.posts)),
          stat("accounts", fmt.n(o.accounts)),
          stat("operations", fmt.n(o.operations)),
          stat("crowds cleared", fmt.n(o.cleared)),
          stat("unassessed", fmt.n(o.unassessed || 0)),
          stat("accounts flagged", fmt.n(o.flagged_accounts)),
          stat("listed for review", fmt.n(o.review_accounts)),
          stat("significant links", fmt.n(o.significant_links))),
      );
    }

    drawTools() {
      const tools = clear(this.els.tools);
      tools.append(h("a", { href: "#/", text: "Summary & settings" }));
      if (MODE !== "dashboard") return;
      const who = h("input", { id: "reviewer", placeholder: "your name", value: this.reviewer, "aria-label": "reviewer" });
      who.addEventListener("change", () => {
        this.reviewer = who.value.trim();
        remember("cibscan-reviewer", this.reviewer);
      });
      tools.append(
        h("label", {}, "Reviewer ", who),
        h("a", { href: this.store.exportHref("confirmed.csv"), download: "confirmed.csv", text: "Export confirmed (CSV)" }),
        h("a", { href: this.store.exportHref("confirmed.json"), download: "confirmed.json", text: "JSON" }),
      );
    }

    drawFilters() {
      const o = this.overview;
      const f = clear(this.els.filters);
      f.hidden = false;
      const behaviour = h("select", { name: "behaviour", "aria-label": "behaviour" },
        h("option", { value: "", text: "any behaviour" }),
        o.settings.behaviours.map((b) => h("option", { value: b, text: b })));
      const status = h("select", { name: "status", "aria-label": "status" },
        h("option", { value: "", text: "any status" }),
        h("option", { value: "operation", text: "operations" }),
        h("option", { value: "crowd", text: "cleared crowds" }),
        h("option", { value: "coordinated", text: "coordinated, unassessed" }));
      const fields = [
        behaviour,
        status,
        h("input", { name: "min_score", type: "number", min: 0, max: 1, step: 0.05, placeholder: "min score", "aria-label": "minimum score" }),
        h("input", { name: "language", placeholder: "language (en, zh…)", "aria-label": "language", size: 8 }),
        h("input", { name: "since", type: "date", "aria-label": "active since" }),
        h("input", { name: "until", type: "date", "aria-label": "active until" }),
      ];
      for (const el of fields) el.addEventListener("change", () => this.loadCampaigns().catch((e) => this.fail(e)));
      f.append(...fields);
    }

    filters() {
      const out = {};
      if (MODE !== "dashboard") return out;
      for (const el of this.els.filters.querySelectorAll("select, input")) out[el.name] = el.value;
      return out;
    }

    async loadCampaigns() {
      const items = await this.store.campaigns(this.filters());
      this.campaigns = items;
      const list = clear(this.els.list);
      if (!items.length) list.append(h("li", { class: "muted", text: "No campaign." }));
      for (const c of items) {
        const review = this.decisions["campaign:" + c.id];
        list.append(h("li", { "data-campaign": c.id },
          h("a", { href: route("campaign", c.id), class: "campaign-link" },
            h("i", { class: "dot", style: { background: c.colour } }),
            h("b", { text: "Campaign " + c.id }),
            " ", badge(c.status, c.status_text), " ", decisionBadge(review),
            h("div", { class: "meta", text: fmt.n(c.size) + " accounts · score " + fmt.score(c.score) + " · " + c.behaviours.map((b) => b.name).join(", ") }),
            h("div", { class: "meta", text: (c.first_seen || "").slice(0, 10) + " → " + (c.last_seen || "").slice(0, 10) + (c.languages.length ? " · " + c.languages.join(", ") : "") }),
            c.live_id ? h("div", { class: "meta", text: "live " + c.live_id + " · formed " + (c.formed_at || "") + " UTC" }) : null,
            c.top_texts.length ? h("div", { class: "snippet", text: c.top_texts[0].label }) : null)));
      }
    }

    refocus() {
      const [kind, id] = this.current || [];
      if (kind === "campaign") this.net.focus({ campaign: Number(id) });
      else if (kind === "account") this.net.focus({ node: id });
      else this.net.focus(null);
    }

    async show() {
      const m = location.hash.match(/^#\/(campaign|account)\/(.+)$/);
      const detail = this.els.detail;
      this.current = m ? [m[1], decodeURIComponent(m[2])] : null;
      for (const li of this.els.list.children) {
        li.classList.toggle("active", !!m && m[1] === "campaign" && li.dataset.campaign === this.current[1]);
      }
      let view;
      if (!m) view = await this.overviewView();
      else if (m[1] === "campaign") view = await this.campaignView(this.current[1]);
      else view = await this.accountView(this.current[1]);
      clear(detail).append(view);
      detail.scrollTop = 0;
      this.refocus();
    }

    async overviewView() {
      const o = this.overview;
      const extras = await this.store.extras();
      const st = o.settings;
      const rows = [
        ["Files", o.files.join(", ")],
        ["Posts read", fmt.n(o.posts) + (Object.keys(o.skipped || {}).length ? " (skipped: " + JSON.stringify(o.skipped) + ")" : "")],
        ["Activity of campaigns", (o.activity_from || "–") + " → " + (o.activity_to || "–") + " UTC"],
        ["Behaviours and windows", st.behaviours.map((b) => b + " " + st.windows[b]).join(", ")],
        ["Post times given to", (st.post_times_to || "the second") + (Object.keys(st.windows_raised_from || {}).length
          ? " (windows raised to it: " + Object.entries(st.windows_raised_from).map(([b, w]) => b + " from " + w).join(", ") + ")"
          : "")],
        ["False discovery rate", String(st.false_discovery_rate)],
        ["Pairs of accounts tested", fmt.n(o.pairs_tested)],
        ["Campaign resolution (CPM) / minimum size", st.cluster_resolution + " / " + st.min_campaign_size],
        ["Crowds cleared by account traits", st.assess_campaigns ? "yes" : "no (--no-assess)"],
        ["Suspended accounts given", fmt.n(st.suspended_accounts_given)],
        ["Hot keys sampled", JSON.stringify(o.sampling.hot_cap || {})],
        ["Posts saved for listed accounts", fmt.n(o.posts_saved)],
      ];
      const review = extras.review_list || [];
      const amplified = extras.amplified_posts || [];
      const earlier = await this.store.earlierReviews();
      return h("section", { class: "overview" },
        earlier.length ? h("div", { class: "earlier" },
          h("h2", { text: "Decisions from an earlier run (" + earlier.length + ")" }),
          h("p", { class: "muted", text: "These were made on campaigns or accounts that these findings no longer hold (detection ran again and found other members). They are kept, not applied, and never exported as confirmed." }),
          table(["was", "decision", "by", "at", "note"], earlier.map((r) => [r.kind + " " + r.target, r.decision, r.reviewer, r.decided_at, r.note]))) : null,
        h("h2", { text: "What was analysed" }),
        h("table", { class: "kv" }, h("tbody", {}, rows.map(([k, v]) => h("tr", {}, h("th", { text: k }), h("td", { text: v }))))),
        h("p", { class: "muted", text: "A campaign is a group of accounts whose joint activity is beyond chance (every pair tested against what their own activity predicts, false discovery rate controlled). An operation is a campaign whose members also carry inauthentic markers; an authentic-looking crowd is kept with its evidence but not flagged; a coordinated, unassessed campaign is one whose members could not be tested (no profile columns in the data): it is kept with its evidence, its members flagged only on request." }),
        h("h2", { text: "Accounts listed for review on traits alone (" + review.length + ")" }),
        review.length ? table(["account", "score", "why"], review.map((r) => [accountLink(r.account_id, r.handle), fmt.score(r.score), r.trait_reasons])) : h("p", { class: "muted", text: "None." }),
        h("h2", { text: "Posts amplified mostly by operations (" + amplified.length + ")" }),
        amplified.length ? table(["post", "by", "reposts", "early by operations", "campaigns", "text"], amplified.slice(0, 50).map((r) => [r.post_id, r.account_id, fmt.n(r.reposts), Math.round(100 * r.share) + "%", r.campaigns, r.text])) : h("p", { class: "muted", text: "None." }),
      );
    }

    async campaignView(id) {
      const c = await this.store.campaign(id);
      if (!c) return h("p", { class: "muted", text: "No campaign " + id + "." });
      const tops = [
        ["Shared texts and posts", c.top_texts],
        ["Links", c.top_urls],
        ["Domains", c.top_domains],
        ["Hashtags", c.top_hashtags],
        ["Targets", c.top_targets],
        ["Objects (images, media, ids)", c.top_objects],
      ].filter(([, items]) => items.length);
      return h("section", { class: "campaign" },
        h("h2", {}, h("i", { class: "dot", style: { background: c.colour } }), "Campaign " + c.id + " ", badge(c.status, c.status_text), " ", decisionBadge(this.decisions["campaign:" + c.id])),
        h("p", { class: "facts", text: fmt.n(c.size) + " accounts · score " + fmt.score(c.score) + " · " + fmt.n(c.links) + " significant links · " + (c.first_seen || "") + " → " + (c.last_seen || "") + " UTC" + (c.languages_text ? " · languages: " + c.languages_text : "") }),
        c.live_id ? h("p", { class: "facts", text: "Live campaign " + c.live_id + ", formed " + (c.formed_at || "") + " UTC (first found by cibscan watch)" }) : null,
        h("p", { class: "facts", text: "Behaviours (links): " + c.behaviours.map((b) => b.name + " " + b.links).join(", ") }),
        c.markers.length ? h("p", { class: "markers" }, h("b", { text: "Inauthentic markers: " }), c.markers.join("; ")) : h("p", { class: "muted", text: "No inauthentic marker found among its members" + (c.markers_tested.length ? " (tested: " + c.markers_tested.join(", ") + ")." : "; none could be tested.") }),
        c.schedule ? null : h("p", { class: "muted", text: "Working hours: no office-hours schedule found in its posts." }),
        c.off_platform ? h("p", {}, h("b", { text: "Where it sends people: " }), c.off_platform) : null,
        c.follows ? h("p", {}, h("b", { text: "Whom it follows (targets, not members): " }), c.follows) : null,
        this.reviewBox("campaign", c.id),
        h("h3", { text: "Timeline" }),
        timelineChart(c.timeline),
        c.hour_of_week ? h("div", { class: "heats" },
          heatMap(c.hour_of_week, "This campaign's posts by UTC hour of week", c.colour),
          c.population_hour_of_week ? heatMap(c.population_hour_of_week, "Everybody's posts, for comparison", "#555") : null) : null,
        tops.length ? h("h3", { text: "What its members shared" }) : null,
        h("div", { class: "tops" }, tops.map(([title, items]) => h("div", {},
          h("h4", { text: title }),
          h("ol", {}, items.map((it) => h("li", {}, h("span", { class: "shared", text: it.label }), h("span", { class: "count", text: it.members === null ? "" : " " + it.members + " members" }))))))),
        h("h3", { text: "Evidence: posts side by side" }),
        evidenceTable(c.evidence),
        h("h3", { text: "Members (" + c.members.length + ")" }),
        table(["account", "status", "score", "posts", "why", "traits"], c.members.map((a) => [
          accountLink(a.account_id, a.handle), badge(a.status), fmt.score(a.score), fmt.n(a.posts), a.reasons, a.trait_reasons,
        ])),
      );
    }

    async accountView(id) {
      const a = await this.store.account(id);
      if (!a) return h("p", { class: "muted", text: "No account " + id + " in these findings." });
      const profile = [
        ["Account id", a.account_id],
        ["Followers / following", fmt.n(a.followers) + " / " + fmt.n(a.following)],
        ["Created", a.account_created || "–"],
        ["Posts (per active day)", fmt.n(a.posts) + " (" + (a.posts_per_day === null ? "–" : a.posts_per_day.toFixed(1)) + ")"],
        ["Schedule", (a.schedule_tz || "–") + (a.office_hours_share === null ? "" : ", " + Math.round(100 * a.office_hours_share) + "% of posts in office hours")],
      ];
      if (a.impersonates) profile.push(["Looks like", a.impersonates]);
      if (a.evades) profile.push(["May be the return of", a.evades]);
      return h("section", { class: "account" },
        h("h2", {}, (a.handle ? "@" + a.handle : a.account_id) + " ", badge(a.status), " ", decisionBadge(this.decisions["account:" + a.account_id])),
        a.display_name ? h("p", { class: "name", text: a.display_name }) : null,
        a.bio ? h("p", { class: "bio", text: a.bio }) : null,
        a.campaign !== null ? h("p", {}, "Member of ", h("a", { href: route("campaign", a.campaign), text: "campaign " + a.campaign }), " · score " + fmt.score(a.score), " ", decisionBadge(this.decisions["campaign:" + a.campaign])) : null,
        a.reasons ? h("p", {}, h("b", { text: "Why: " }), a.reasons) : null,
        a.trait_reasons ? h("p", {}, h("b", { text: "Traits: " }), a.trait_reasons) : null,
        h("table", { class: "kv" }, h("tbody", {}, profile.map(([k, v]) => h("tr", {}, h("th", { text: k }), h("td", { text: v }))))),
        this.reviewBox("account", a.account_id),
        h("h3", { text: "Links (" + fmt.n(a.links_total) + ")" + (a.links.length < a.links_total ? ", strongest " + a.links.length : "") }),
        table(["with", "behaviours", "shared", "q-value", "first", "last"], a.links.map((l) => [
          accountLink(l.partner, l.partner), l.behaviours, fmt.n(l.shared), fmt.q(l.q_value), l.first_seen, l.last_seen,
        ])),
        h("h3", { text: "Evidence (" + fmt.n(a.evidence_total) + " rows" + (a.evidence_links < a.links_total ? " from " + fmt.n(a.evidence_links) + " of its " + fmt.n(a.links_total) + " links, the strongest" : "") + (a.evidence.length < a.evidence_total ? ", first " + a.evidence.length : "") + ")" }),
        evidenceTable(a.evidence),
        a.hour_of_week ? heatMap(a.hour_of_week, "Its posts by UTC hour of week", "#0072b2") : null,
        a.history ? h("h3", { text: "Post history (" + fmt.n(a.history_total || a.history.length) + (a.history_total > a.history.length ? ", the latest " + fmt.n(a.history.length) : "") + ")" }) : null,
        a.history ? historyTable(a.history) : null,
        !a.history && MODE === "report" ? h("p", { class: "muted", text: "The full post history is in the dashboard: cibscan serve RESULTS/" }) : null,
      );
    }

    reviewBox(kind, target) {
      if (!this.store.canReview) return null;
      const key = kind + ":" + target;
      const current = this.decisions[key];
      const note = h("textarea", { name: "note", rows: 2, placeholder: "note (what you checked, why)", "aria-label": "note" });
      const state = h("span", { class: "review-state" });
      const history = h("ul", { class: "history" });
      const showState = (r) => {
        append(clear(state), [r ? ["Current decision: ", decisionBadge(r), " by " + (r.reviewer || "?") + " at " + r.decided_at + (r.note ? " — " + r.note : "")] : "Not reviewed yet."]);
      };
      const loadHistory = async () => {
        const rows = await this.store.history(kind, target);
        append(clear(history), rows.map((r) => h("li", { text: r.decided_at + " · " + r.decision + " · " + (r.reviewer || "?") + (r.note ? " · " + r.note : "") })));
      };
      showState(current);
      const buttons = DECISIONS.map(([value, label]) => h("button", {
        type: "button", "data-decision": value, class: "decide " + value, text: label,
        onclick: async () => {
          const reviewer = (document.getElementById("reviewer") || {}).value || this.reviewer;
          if (!reviewer.trim()) { state.textContent = "Enter your name as reviewer (top right) first."; return; }
          try {
            const saved = await this.store.review(kind, target, value, note.value, reviewer.trim());
            this.decisions[key] = saved;
            note.value = "";
            showState(saved);
            await loadHistory();
            if (kind === "campaign") await this.loadCampaigns();
          } catch (err) { this.fail(err); }
        },
      }));
      loadHistory().catch((e) => this.fail(e));
      return h("div", { class: "review" }, h("b", { text: "Review " + kind + ": " }), buttons, note, state, history);
    }
  }

  // The reviewer's name is remembered between visits where the browser allows it (some
  // refuse storage to pages opened from a file).
  function remembered(key) {
    try { return localStorage.getItem(key); } catch (err) { return null; }
  }

  function remember(key, value) {
    try { localStorage.setItem(key, value); } catch (err) { /* not kept: asked again */ }
  }

  function accountLink(id, label) {
    return h("a", { href: route("account", id), text: label || id });
  }

  function table(heads, rows) {
    return h("table", { class: "grid" },
      h("thead", {}, h("tr", {}, heads.map((x) => h("th", { text: x })))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((cell) => h("td", {}, cell))))));
  }

  // One side of an evidence row: the account, when it posted, in what language, and what.
  function postCell(account, time, language, text) {
    return h("td", {}, accountLink(account, account), h("time", { text: time }),
      language ? h("span", { class: "muted", text: " " + language }) : null,
      h("div", { class: "post", text: text || "" }));
  }

  function evidenceTable(rows) {
    if (!rows || !rows.length) return h("p", { class: "muted", text: "No evidence rows." });
    return h("table", { class: "grid evidence" },
      h("thead", {}, h("tr", {}, ["behaviour", "first account and post", "second account and post", "gap"].map((x) => h("th", { text: x })))),
      h("tbody", {}, rows.map((r) => h("tr", {},
        h("td", {}, r.behaviour, h("div", { class: "key", text: r.key }),
          r.similarity == null ? null : h("div", { class: "muted", text: "similarity " + Number(r.similarity).toFixed(2) })),
        postCell(r.account_a, r.time_a, r.language_a, r.text_a),
        postCell(r.account_b, r.time_b, r.language_b, r.text_b),
        h("td", { text: fmt.gap(r.gap_seconds) })))));
  }

  function historyTable(rows) {
    if (!rows.length) return h("p", { class: "muted", text: "No posts were saved for this account (only listed accounts' posts are kept)." });
    return h("table", { class: "grid history" },
      h("thead", {}, h("tr", {}, ["time (UTC)", "kind", "text", "to", "links, tags, mentions"].map((x) => h("th", { text: x })))),
      h("tbody", {}, rows.map((p) => h("tr", {},
        h("td", { text: p.created_at }),
        h("td", { text: p.kind || "" }),
        h("td", { class: "post", text: p.text || "" }),
        h("td", { text: p.parent_account_id || "" }),
        h("td", { text: [].concat(p.urls || [], (p.hashtags || []).map((t) => "#" + t), (p.mentions || []).map((m) => "@" + m)).join(" ") }),
      ))));
  }

  // --- start ----------------------------------------------------------------------------

  let store;
  if (MODE === "report") {
    const raw = document.getElementById("cibscan-data").textContent;
    store = new ReportStore(JSON.parse(raw));
  } else {
    store = new ApiStore();
  }
  const app = new App(store);
  window.cibscan = app; // for people poking at the console, and for the browser tests
  app.start().catch((err) => { app.fail(err); throw err; });
})();
