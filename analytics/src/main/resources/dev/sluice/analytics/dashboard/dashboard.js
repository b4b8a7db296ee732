// Sluice dashboard: polls /api/v1/dashboard (same origin only) and renders tables and uPlot charts.
// Every value is written with textContent, never as HTML: user ids and model names are data, not markup.
'use strict';
(function () {
  const COLORS = ['#58a6ff', '#3fb950', '#f85149', '#d29922', '#bc8cff', '#ff7b72', '#79c0ff', '#56d364', '#e3b341', '#f778ba'];
  const LIVE_POINTS = 300;
  const charts = {};
  const live = { t: [], throughput: {}, lag: {} };
  let refreshMs = 2000;

  const usd = micros => '$' + (micros / 1e6).toFixed(Math.abs(micros) < 1e6 ? 6 : 2); // under a dollar: to the micro-dollar
  const age = s => s < 120 ? Math.round(s) + ' s' : s < 7200 ? Math.round(s / 60) + ' min' : (s / 3600).toFixed(1) + ' h';
  const el = id => document.getElementById(id);

  function rows(tableId, items, cells, rowClass) {
    const body = el(tableId).tBodies[0];
    body.replaceChildren();
    if (!items.length) {
      const tr = body.insertRow();
      const td = tr.insertCell();
      td.colSpan = el(tableId).tHead.rows[0].cells.length;
      td.className = 'empty';
      td.textContent = 'none';
      return;
    }
    for (const item of items) {
      const tr = body.insertRow();
      if (rowClass) {
        const c = rowClass(item);
        if (c) tr.className = c;
      }
      for (const [text, cls, attrs] of cells(item)) {
        const td = tr.insertCell();
        td.textContent = text;
        if (cls) td.className = cls;
        if (attrs) for (const k in attrs) tr.setAttribute(k, attrs[k]);
      }
    }
  }

  // One chart per element; rebuilt when its series change, otherwise fed with setData. data-points counts the values
  // drawn (hourly charts: non-zero buckets; live charts: every sample, zero lag is data too).
  function chart(id, labels, data, opts) {
    const target = el(id);
    const key = labels.join('\u0001');
    let c = charts[id];
    if (!c || c.key !== key) {
      if (c) c.plot.destroy();
      const series = [{}].concat(labels.map((label, i) => ({
        label: label, stroke: COLORS[i % COLORS.length], width: 2,
        points: { show: opts.points, size: 6, fill: COLORS[i % COLORS.length] },
        value: opts.value || ((u, v) => v == null ? '–' : v)
      })));
      const plot = new uPlot({
        width: Math.max(300, target.clientWidth), height: 200, series: series,
        scales: { x: { time: true } },
        axes: [{ stroke: '#8b96a3', grid: { stroke: '#2a323c' } },
               { stroke: '#8b96a3', grid: { stroke: '#2a323c' }, size: 72, values: opts.axis }],
        legend: { live: false }
      }, data, target);
      c = charts[id] = { plot: plot, key: key };
    } else {
      c.plot.setData(data);
    }
    let points = 0;
    for (let s = 1; s < data.length; s++) for (const v of data[s]) if (v != null && (opts.live || v !== 0)) points++;
    target.dataset.points = String(points);
  }

  // The last 24 hour buckets, ending with the current one, so a quiet hour shows as zero rather than a gap.
  function hourAxis(now) {
    const end = Math.floor(now / 3600) * 3600;
    const xs = [];
    for (let h = end - 23 * 3600; h <= end; h += 3600) xs.push(h);
    return xs;
  }

  function renderSpend(spend, now) {
    const xs = hourAxis(now);
    const byHour = {};
    for (const h of spend.hourly) byHour[h.epoch] = h;
    chart('chart-spend', ['spent', 'saved'], [xs,
      xs.map(x => byHour[x] ? byHour[x].costMicros / 1e6 : 0),
      xs.map(x => byHour[x] ? byHour[x].savedMicros / 1e6 : 0)],
      { points: true, axis: (u, vals) => vals.map(v => '$' + v.toFixed(4)), value: (u, v) => v == null ? '–' : '$' + v.toFixed(6) });
    let spent = 0, saved = 0, answered = 0;
    for (const h of spend.hourly) { spent += h.costMicros; saved += h.savedMicros; answered += h.requests; }
    el('kpi-spent').textContent = usd(spent);
    el('kpi-saved').textContent = usd(saved);
    el('kpi-answered').textContent = String(answered);
    rows('top-spenders', spend.topSpenders.slice(0, 10), t => [[t.day], [String(t.rank), 'num'], [t.userId], [usd(t.costMicros), 'num']]);
    rows('models', spend.byModel, m => [[m.model], [String(m.requests), 'num'], [m.inputTokens + ' / ' + m.outputTokens, 'num'],
      [usd(m.costMicros), 'num'], [usd(m.savedMicros), 'num']]);
  }

  function renderRejections(rej, spend, now) {
    const xs = hourAxis(now);
    const reasons = Object.keys(rej.totals).sort();
    const answered = {};
    for (const h of rej.answeredHourly) answered[h.epoch] = h.requests;
    const per = {};
    for (const h of rej.hourly) (per[h.reason] = per[h.reason] || {})[h.epoch] = h.count;
    chart('chart-decisions', ['answered'].concat(reasons), [xs, xs.map(x => answered[x] || 0)]
      .concat(reasons.map(r => xs.map(x => per[r][x] || 0))), { points: true });
    let total = 0;
    for (const r of reasons) total += rej.totals[r];
    el('kpi-rejected').textContent = String(total);
    rows('rejection-totals', reasons.map(r => ({ reason: r, count: rej.totals[r] })),
      r => [[r.reason, null, { 'data-reason': r.reason }], [String(r.count), 'num count']]);
    rows('pressure', Object.keys(rej.pressure).map(k => ({ limit: k, p: rej.pressure[k] })),
      r => [[r.limit], [String(r.p.count), 'num'], [r.p.percentOfDecisions.toFixed(1) + ' %', 'num']]);
  }

  function renderBudgets(b) {
    rows('budgets', b.users.slice(0, 10), u => [[u.userId], [u.tier], [usd(u.spentTodayMicros), 'num'], [usd(u.dailyBudgetMicros), 'num'],
      [u.usedPercent.toFixed(1) + ' %', 'num']], u => u.usedPercent > 100 ? 'over' : u.usedPercent >= 80 ? 'near' : '');
    rows('overspend', b.overspend, o => [[o.day], [o.userId, null, { 'data-user': o.userId }], [String(o.flags), 'num'],
      [usd(o.overMicros), 'num']], () => 'over');
  }

  function renderPipeline(p, nowSec) {
    rows('breakers', p.breakers, b => [[b.name, null, { 'data-name': b.name, 'data-state': b.state }], [b.state, 'state-' + b.state]]);
    rows('transitions', p.breakerTransitions.slice(0, 8), t => [[t.at.substring(11, 19)], [t.name], [t.from + ' → ' + t.to, 'state-' + t.to]]);
    rows('groups', p.groups, g => [[g.group], [String(g.lag), 'num']]);
    rows('throughput', p.throughput, t => [[t.stage], [t.topic], [t.perSecond.toFixed(1), 'num']]);
    rows('latency', p.latency, l => [[l.metric], [l.p50Ms == null ? '–' : String(l.p50Ms), 'num'], [l.p99Ms == null ? '–' : String(l.p99Ms), 'num']]);
    rows('dead-letters', p.deadLetters, d => [[d.stage], [d.errorClass, null, { 'data-error-class': d.errorClass }], [String(d.count), 'num']]);
    let dead = 0;
    for (const d of p.deadLetters) dead += d.count;
    el('kpi-dead').textContent = String(dead);
    const redis = el('kpi-redis');
    redis.textContent = p.redisDegraded == null ? 'n/a' : p.redisDegraded ? 'DEGRADED' : 'OK';
    redis.className = 'value ' + (p.redisDegraded ? 'over' : p.redisDegraded === false ? 'state-CLOSED' : '');
    const held = el('kpi-held');
    held.textContent = p.moneyHeld == null ? 'n/a' : usd(p.moneyHeld.micros) + ' (' + p.moneyHeld.users + ' users'
      + (p.moneyHeld.users > 0 && p.moneyHeld.oldestSeconds != null ? ', oldest ' + age(p.moneyHeld.oldestSeconds) : '') + ')';
    held.title = 'reserved for admitted requests with no outcome yet, and how long ago the oldest was admitted (to the minute);'
      + ' sluice reservations lists them with their ages';
    el('sources').textContent = p.scrapeUrls.length ? 'breakers, latency, Redis and money held from ' + p.scrapeUrls.join(', ')
      : 'no dashboard.scrape.urls configured: breakers, latency, Redis and money held unknown';

    // live series, kept in the page: one sample per poll
    live.t.push(nowSec);
    const push = (store, name, v) => { (store[name] = store[name] || new Array(live.t.length - 1).fill(null)).push(v); };
    for (const t of p.throughput) push(live.throughput, t.topic.replace(/^.*llm\./, 'llm.'), t.perSecond);
    for (const g of p.groups) push(live.lag, g.group, g.lag);
    for (const store of [live.throughput, live.lag]) {
      for (const k in store) while (store[k].length < live.t.length) store[k].push(null);
    }
    if (live.t.length > LIVE_POINTS) {
      live.t.shift();
      for (const store of [live.throughput, live.lag]) for (const k in store) store[k].shift();
    }
    for (const [id, store] of [['chart-throughput', live.throughput], ['chart-lag', live.lag]]) {
      const names = Object.keys(store).sort();
      if (names.length) chart(id, names, [live.t.slice()].concat(names.map(n => store[n].slice())), { points: false, live: true });
    }
  }

  async function refresh() {
    const status = el('status');
    try {
      const response = await fetch('/api/v1/dashboard', { cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const d = await response.json();
      refreshMs = d.refreshMs || refreshMs;
      const now = Date.parse(d.generatedAt) / 1000;
      renderSpend(d.spend, now);
      renderRejections(d.rejections, d.spend, now);
      renderBudgets(d.budgets);
      renderPipeline(d.pipeline, Date.now() / 1000); // live samples on the browser's clock: one point per poll
      status.textContent = 'updated ' + d.generatedAt.substring(11, 19) + ' UTC · every ' + (refreshMs / 1000) + ' s';
      status.className = 'status';
      document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
    } catch (e) {
      status.textContent = 'not updating: ' + e.message;
      status.className = 'status stale';
    }
    setTimeout(refresh, refreshMs);
  }

  window.addEventListener('resize', () => {
    for (const id in charts) charts[id].plot.setSize({ width: Math.max(300, el(id).clientWidth), height: 200 });
  });
  refresh();
})();
