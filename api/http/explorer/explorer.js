// feedrank explorer: the two feeds of one viewer side by side, through the HTTP/JSON gateway.
// No framework, no network beyond the server: it works offline.
'use strict';

const $ = (id) => document.getElementById(id);

// ---- the gateway ----------------------------------------------------------------------------

async function api(route, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.append(key, value);
  }
  const response = await fetch(`/v1/${route}?${query}`);
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(`${body.code}: ${body.message}`);
    error.code = body.code;
    throw error;
  }
  return body;
}

// A viewer by id, else by handle (a handle may be all digits).
async function findViewer(text) {
  text = text.trim().replace(/^@/, '');
  if (/^\d+$/.test(text)) {
    try {
      return await api('user', { user_id: text });
    } catch (error) {
      // 0, or beyond 2^64-1, is no user id (INVALID_ARGUMENT) but may be a handle.
      if (error.code !== 'NOT_FOUND' && error.code !== 'INVALID_ARGUMENT') throw error;
    }
  }
  return api('user', { handle: text });
}

const authorCache = new Map();
async function authorHandles(ids) {
  const missing = [...new Set(ids)].filter((id) => !authorCache.has(id));
  await Promise.all(missing.map(async (id) => {
    try {
      authorCache.set(id, (await api('user', { user_id: id })).user.handle);
    } catch {
      authorCache.set(id, `user ${id}`);
    }
  }));
}

// ---- small formatting helpers -----------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('data-') || key.startsWith('aria-') || key === 'title' || key === 'role'
             || key === 'tabindex') node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// replaceChildren without the nulls that optional parts leave.
function fill(node, ...children) {
  node.replaceChildren(...children.filter((child) => child !== null && child !== undefined));
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function age(createdMs, nowMs) {
  const minutes = Math.max(0, (nowMs - createdMs) / 60000);
  if (minutes < 60) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} d`;
}

const sourceName = (source) => (source || 'CANDIDATE_SOURCE_UNSPECIFIED')
  .replace('CANDIDATE_SOURCE_', '').toLowerCase().replace(/_/g, ' ');
const fixed = (x, digits = 3) => (typeof x === 'number' ? x.toFixed(digits) : String(x));
const percent = (x) => (typeof x === 'number' ? `${(100 * x).toFixed(1)}%` : String(x));

// One colour per score term, the same in every bar, legend and viewer: the known terms have
// their own (related signals in related hues), others take the palette's in order of appearance.
const TERM_COLOURS = {
  similarity: '#4e79a7', learned_score: '#1f3a93', collaborative: '#17becf',
  recency: '#f28e2b', log_age_hours: '#9c755f',
  author_affinity: '#59a14f', follows_author: '#8cd17d', followee_engagements: '#2ca02c',
  views: '#bab0ac', likes: '#e15759', comments: '#ff9da7', shares: '#d37295',
  author_followers: '#b07aa1', author_posts: '#7f3c8d', already_engaged: '#555555',
  bias: '#a5aa99', source_scale: '#edc948', author_diversity: '#d62728', near_duplicate: '#ffbe7d',
};
const PALETTE = ['#76b7b2', '#f1ce63', '#499894', '#79706e', '#d4a6c8', '#86bcb6', '#fabfd2'];
const ARM_COLOURS = ['#4e79a7', '#e15759', '#59a14f', '#f28e2b', '#b07aa1', '#9c755f'];
const termColours = new Map(Object.entries(TERM_COLOURS));
function termColour(name) {
  const key = name.startsWith('source_scale:') ? 'source_scale' : name;
  if (!termColours.has(key)) {
    termColours.set(key, PALETTE[(termColours.size - Object.keys(TERM_COLOURS).length) % PALETTE.length]);
  }
  return termColours.get(key);
}

// ---- feeds ------------------------------------------------------------------------------------

// The stacked bar of an item's score terms: negative terms left of the zero line, positive right,
// on a scale shared by the column so that bars compare.
function scoreBar(item, scale) {
  const bar = el('div', { class: 'bar', role: 'img',
                          'aria-label': `score terms of post ${item.post_id}` });
  const zero = el('div', { class: 'zero' });
  zero.style.left = `${100 * scale.zero}%`;
  let negative = 0;
  let positive = 0;
  for (const term of item.explanation) {
    const c = term.contribution;
    if (c === 0) continue;
    const width = (100 * Math.abs(c)) / scale.span;
    const start = c < 0 ? scale.zero - (negative + Math.abs(c)) / scale.span
                        : scale.zero + positive / scale.span;
    if (c < 0) negative += -c; else positive += c;
    const segment = el('span', {
      class: 'segment', 'data-term': term.name, 'data-contribution': String(c),
      title: `${term.name}: value ${fixed(term.value)} → ${c >= 0 ? '+' : ''}${fixed(c)}`,
    });
    segment.style.left = `${100 * start}%`;
    segment.style.width = `${width}%`;
    segment.style.background = termColour(term.name);
    bar.append(segment);
  }
  bar.append(zero);
  return bar;
}

function barScale(items) {
  let negative = 0;
  let positive = 0;
  for (const item of items) {
    let n = 0;
    let p = 0;
    for (const term of item.explanation) (term.contribution < 0 ? (n -= term.contribution) : (p += term.contribution));
    negative = Math.max(negative, n);
    positive = Math.max(positive, p);
  }
  const span = negative + positive || 1;
  return { span, zero: negative / span };
}

function renderFeed(list, feed, nowMs, otherRanks, otherName) {
  list.replaceChildren();
  const scale = barScale(feed.items);
  feed.items.forEach((item, index) => {
    const author = authorCache.get(item.author_id) ?? `user ${item.author_id}`;
    const meta = el('div', { class: 'meta' },
      el('span', { class: 'rank', text: `#${index + 1}` }),
      el('span', { class: 'author', text: `@${author}` }),
      el('span', { class: 'age', text: age(Number(item.created_at_ms), nowMs), title: new Date(Number(item.created_at_ms)).toISOString() }),
      el('span', { class: `source source-${sourceName(item.source).replace(/ /g, '-')}`, text: sourceName(item.source) }),
      item.team && item.team !== 'INTERLEAVING_TEAM_UNSPECIFIED'
        ? el('span', { class: `team team-${item.team.endsWith('_A') ? 'a' : 'b'}`, text: item.team.endsWith('_A') ? 'A' : 'B' })
        : null,
      el('span', { class: 'score', text: `score ${fixed(item.score)}` }));
    const other = otherRanks?.get(item.post_id);
    const li = el('li', { class: other ? 'item shared' : 'item', 'data-post-id': item.post_id,
                          'data-score': String(item.score), tabindex: '0' },
      meta,
      el('p', { class: 'text', text: item.text }),
      item.explanation.length > 0 ? scoreBar(item, scale) : null,
      other ? el('div', { class: 'also', text: `also #${other} in ${otherName}` }) : null);
    list.append(li);
  });
  if (feed.items.length === 0) list.append(el('li', { class: 'empty', text: 'No items.' }));
}

function ranks(feed) {
  return new Map(feed.items.map((item, index) => [item.post_id, index + 1]));
}

// Kendall's tau between the orders the two lists give their shared items (ties impossible:
// ranks are distinct); null with fewer than two shared items.
function kendallTau(shared, rankA, rankB) {
  if (shared.length < 2) return null;
  let concordant = 0;
  let discordant = 0;
  for (let i = 0; i < shared.length; ++i) {
    for (let j = i + 1; j < shared.length; ++j) {
      const a = rankA.get(shared[i]) - rankA.get(shared[j]);
      const b = rankB.get(shared[i]) - rankB.get(shared[j]);
      if (a * b > 0) ++concordant; else ++discordant;
    }
  }
  return (concordant - discordant) / (concordant + discordant);
}

function renderOverlap(chrono, algo) {
  const rankC = ranks(chrono);
  const rankA = ranks(algo);
  const shared = [...rankC.keys()].filter((id) => rankA.has(id));
  const union = new Set([...rankC.keys(), ...rankA.keys()]).size;
  const tau = kendallTau(shared, rankC, rankA);
  const box = $('overlap');
  box.hidden = false;
  fill(box,
    el('h2', { text: 'Overlap' }),
    el('dl', {},
      el('dt', { text: 'Shared items' }), el('dd', { id: 'overlap-shared', text: `${shared.length} of ${chrono.items.length} / ${algo.items.length}` }),
      el('dt', { text: 'Jaccard' }), el('dd', { text: union ? fixed(shared.length / union, 2) : 'n/a' }),
      el('dt', { text: "Kendall's τ of shared items" }),
      el('dd', { id: 'overlap-tau', text: tau === null ? 'n/a (fewer than 2 shared)' : fixed(tau, 2) })));
  return { rankC, rankA };
}

function renderLegend(algo) {
  const names = new Map();
  for (const item of algo.items) {
    for (const term of item.explanation) {
      const key = term.name.startsWith('source_scale:') ? 'source_scale' : term.name;
      names.set(key, (names.get(key) ?? 0) + Math.abs(term.contribution));
    }
  }
  const legend = el('ul', { class: 'legend', 'aria-label': 'score terms' });
  // Terms that moved no score in this list (weight 0, or no such signal) are left out.
  [...names.entries()].filter(([, total]) => total > 0).sort((a, b) => b[1] - a[1]).forEach(([name]) => {
    const swatch = el('span', { class: 'swatch' });
    swatch.style.background = termColour(name);
    legend.append(el('li', {}, swatch, name));
  });
  return legend;
}

function renderViewer(profile, asOfMs) {
  const user = profile.user;
  const card = $('viewer-card');
  card.hidden = false;
  const others = profile.same_handle_ids.filter((id) => id !== user.id);
  fill(card,
    el('h2', { text: `@${user.handle}` }),
    el('p', { text: `user ${user.id} · follows ${profile.followees} · ${profile.followers} followers · ${profile.posts} posts · feeds as of ${asOfMs ? new Date(asOfMs).toISOString().replace('.000', '') : 'now'}` }),
    others.length ? el('p', { class: 'sub', text: `Also @${user.handle}: users ${others.join(', ')}` }) : null);
}

async function showFeeds(viewerText, asOfMs, limit) {
  document.body.dataset.state = 'loading';
  $('status').textContent = `Loading feeds of ${viewerText}…`;
  try {
    const profile = await findViewer(viewerText);
    const id = profile.user.id;
    const common = { user_id: id, limit, as_of_ms: asOfMs || undefined, explain: true };
    const [chrono, algo, mixed] = await Promise.all([
      api('feed', { ...common, mode: 'chronological' }),
      api('feed', { ...common, mode: 'algorithmic' }),
      api('feed', { ...common, mode: 'interleaved' }),
    ]);
    await authorHandles([chrono, algo, mixed].flatMap((feed) => feed.items.map((item) => item.author_id)));
    const nowMs = asOfMs || Date.now();
    renderViewer(profile, asOfMs);
    const { rankC, rankA } = renderOverlap(chrono, algo);
    renderFeed($('column-chronological'), chrono, nowMs, rankA, 'algorithmic');
    renderFeed($('column-algorithmic'), algo, nowMs, rankC, 'chronological');
    renderFeed($('column-interleaved'), mixed, nowMs, null, '');
    const sub = $('algorithmic-sub');
    sub.replaceChildren(`Predicted log-odds of engagement (config ${algo.ranking_config_version}); bars show each term.`,
                        renderLegend(algo));
    for (const feed of [chrono, algo]) {
      if (feed.experiment) $('status').textContent = `Note: an experiment (${feed.experiment}/${feed.arm}) served ${feed.mode}.`;
    }
    if (!chrono.experiment && !algo.experiment) $('status').textContent = '';
    document.body.dataset.viewer = id;
    document.body.dataset.state = 'ready';
  } catch (error) {
    $('status').textContent = error.message;
    document.body.dataset.state = 'error';
  }
}

// ---- replay -----------------------------------------------------------------------------------

const REPLAY_COLUMNS = [
  ['list', 'list'], ['ndcg_at_10', 'NDCG@10'], ['hit_rate_at_10', 'hit@10'],
  ['recall_at_10', 'recall@10'], ['recall_at_k', 'recall@k (the report\'s k)'], ['mrr', 'MRR'],
  ['coverage', 'coverage'], ['author_diversity_at_10', 'authors@10'],
  ['mean_age_hours_at_10', 'age h@10'], ['viewers', 'viewers']];

function barChart(title, rows, value, format) {
  const width = 640;
  const rowHeight = 22;
  const left = 170;
  const max = Math.max(...rows.map(value), 1e-9);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${rows.length * rowHeight + 30}`, class: 'chart', role: 'img', 'aria-label': title });
  chart.append(svg('text', { x: 0, y: 14, class: 'chart-title' }, title));
  rows.forEach((row, i) => {
    const y = 24 + i * rowHeight;
    const w = ((width - left - 70) * value(row)) / max;
    chart.append(svg('text', { x: left - 6, y: y + 14, 'text-anchor': 'end' }, row.label));
    chart.append(svg('rect', { x: left, y: y + 3, width: Math.max(w, 0), height: rowHeight - 6, fill: row.colour || '#4e79a7' }));
    chart.append(svg('text', { x: left + w + 4, y: y + 14 }, format(value(row))));
  });
  return chart;
}

// A row's NDCG@10 minus the reference row's, with its paired bootstrap 95% interval (reports
// written before the interval existed have none).
function vsReference(row, reference) {
  const d = row.ndcg_at_10_vs_reference;
  const signed = (x) => `${x >= 0 ? '+' : ''}${fixed(x, 4)}`;
  if (d) return `${signed(d.difference)} [${signed(d.ci95_low)}, ${signed(d.ci95_high)}]`;
  return row.list === reference ? 'reference' : '—';
}

function renderReplay(report) {
  const out = $('replay-out');
  const rows = report.rows.filter((row) => !row.unavailable);
  const columns = report.reference_list
    ? [...REPLAY_COLUMNS, ['vs_reference', `NDCG@10 vs ${report.reference_list} [95% CI]`]]
    : REPLAY_COLUMNS;
  const cell = (row, key) => {
    if (row.unavailable && key !== 'list') return '—';
    if (key === 'vs_reference') return vsReference(row, report.reference_list);
    return typeof row[key] === 'number' && key !== 'viewers' ? fixed(row[key]) : String(row[key]);
  };
  const table = el('table', {},
    el('thead', {}, el('tr', {}, ...columns.map(([, label]) => el('th', { text: label })))),
    el('tbody', {}, ...report.rows.map((row) => el('tr', {},
      ...columns.map(([key]) => el('td', { text: cell(row, key) }))))));
  const bars = rows.map((row) => ({ ...row, label: row.list, colour: /algorithmic|hybrid|learned/.test(row.list) ? '#e15759' : /chronological/.test(row.list) ? '#4e79a7' : '#9c9c9c' }));
  out.replaceChildren(
    el('p', { text: `${report.source}: cut at ${new Date(report.cut_ms).toISOString()} (${report.cut_rule}); ${report.viewers_judged} viewers judged, ${report.live_posts} live posts.` }),
    table,
    // Where each compared config's row came from (replay --compare-config / --fit-ranker).
    ...(report.compared_configs ?? []).map((line) => el('p', { text: line })),
    barChart('NDCG@10 by list', bars, (row) => row.ndcg_at_10, (x) => fixed(x)),
    barChart(`recall@${report.k ?? 'k'} by list`, bars, (row) => row.recall_at_k, (x) => fixed(x)));
}

// The reports the server was given (--replay-reports), by file name; the first is shown.
async function showReplayList() {
  const choice = $('replay-choice');
  try {
    const { reports } = await (await fetch('/v1/replay-reports')).json();
    if (reports.length === 0) return;
    choice.replaceChildren(...reports.map((name) => el('option', { value: name, text: name.replace(/\.json$/, '') })));
    choice.disabled = false;
    await showServerReplay(reports[0]);
  } catch (error) {
    $('replay-out').replaceChildren(el('p', { class: 'error', text: error.message }));
  }
}

async function showServerReplay(name) {
  const response = await fetch(`/v1/replay-reports/${encodeURIComponent(name)}`);
  const body = await response.json();
  if (!response.ok) throw new Error(`${body.code}: ${body.message}`);
  renderReplay(body);
}

// ---- experiment report ------------------------------------------------------------------------

// Each arm's estimate of one metric with its 95% interval, as the CLI's HTML report draws it.
function metricChart(name, arms) {
  const points = arms.map((arm) => ({ arm: arm.arm, e: (arm.metrics.find((m) => m.name === name) || {}).estimate }))
    .filter((p) => p.e && p.e.defined);
  if (points.length === 0) return null;
  const lo = Math.min(...points.map((p) => p.e.ci_low));
  const hi = Math.max(...points.map((p) => p.e.ci_high));
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
  const x0 = lo - pad;
  const x1 = hi + pad;
  const width = 420;
  const left = 120;
  const rowHeight = 24;
  const x = (v) => left + ((width - left - 75) * (v - x0)) / (x1 - x0);  // room for the label
  const chart = svg('svg', { viewBox: `0 0 ${width} ${points.length * rowHeight + 40}`, class: 'chart small', role: 'img', 'aria-label': name });
  chart.append(svg('text', { x: 0, y: 14, class: 'chart-title' }, name));
  points.forEach((p, i) => {
    const y = 32 + i * rowHeight;
    chart.append(svg('text', { x: left - 8, y: y + 4, 'text-anchor': 'end' }, p.arm));
    chart.append(svg('line', { x1: x(p.e.ci_low), x2: x(p.e.ci_high), y1: y, y2: y, class: 'ci' }));
    chart.append(svg('circle', { cx: x(p.e.value), cy: y, r: 4, fill: ARM_COLOURS[i % ARM_COLOURS.length] }));
    chart.append(svg('text', { x: x(p.e.ci_high) + 6, y: y + 4, class: 'value' }, fixed(p.e.value, 4)));
  });
  return chart;
}

function renderReport(report) {
  const out = $('report-out');
  const armTable = el('table', {},
    el('thead', {}, el('tr', {}, ...['arm', 'variant', 'viewers', 'pages', 'impressions', 'views', 'likes', 'comments', 'shares', 'unattributed'].map((h) => el('th', { text: h })))),
    el('tbody', {}, ...report.arms.map((arm) => el('tr', {},
      ...[arm.arm, arm.variant, arm.viewers, arm.pages, arm.impressions, arm.views, arm.likes, arm.comments, arm.shares, arm.unattributed].map((v) => el('td', { text: String(v) }))))));
  const metricNames = [...new Set(report.arms.flatMap((arm) => arm.metrics.map((m) => m.name)))];
  const charts = el('div', { class: 'charts' }, ...metricNames.map((name) => metricChart(name, report.arms)).filter(Boolean));
  const comparisons = el('table', {},
    el('thead', {}, el('tr', {}, ...['metric', 'arm', 'vs', 'difference', 'relative', 'p', 'significant'].map((h) => el('th', { text: h })))),
    el('tbody', {}, ...report.comparisons.map((c) => el('tr', { class: c.significant ? 'significant' : '' },
      ...[c.metric, c.arm, c.baseline, c.defined ? fixed(c.difference, 4) : '—', c.defined ? percent(c.relative) : '—',
          c.defined ? fixed(c.p_value, 4) : '—', c.significant ? 'yes' : 'no'].map((v) => el('td', { text: String(v) }))))));
  const interleaving = report.interleaving.map((r) => barChart(
    `${r.arm}: viewers won (p = ${fixed(r.p_value, 4)})`,
    [{ label: `A ${r.team_a}`, n: Number(r.wins_a), colour: '#4e79a7' },
     { label: `B ${r.team_b}`, n: Number(r.wins_b), colour: '#e15759' },
     { label: 'ties', n: Number(r.ties), colour: '#9c9c9c' }], (row) => row.n, (n) => String(n)));
  fill(out,
    el('p', { text: `${report.experiment}: window ${Number(report.attribution_window_ms) / 3600000} h; ${report.attributed_engagements} attributed, ${report.unattributed_engagements} unattributed engagements. ${report.method}` }),
    armTable, charts,
    report.comparisons.length ? el('h3', { text: 'Against the first arm (Holm-corrected)' }) : null,
    report.comparisons.length ? comparisons : null,
    ...interleaving);
}

// ---- page wiring ------------------------------------------------------------------------------

function selectTab(tab) {
  for (const other of document.querySelectorAll('[role=tab]')) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    $(other.getAttribute('aria-controls')).hidden = !selected;
  }
}

function wireTabs() {
  const tabs = [...document.querySelectorAll('[role=tab]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => selectTab(tab));
    tab.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      selectTab(next);
      next.focus();
      event.preventDefault();
    });
  });
}

function asOfFromInput() {
  const value = $('as-of').value;
  return value ? Date.parse(`${value}Z`) : 0;
}

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  // To the millisecond, so that a shared view ranks as of the same instant; a value that is no
  // time is left out rather than stopping the page.
  const asOf = new Date(Number(params.get('as_of_ms')));
  if (params.get('as_of_ms') && !Number.isNaN(asOf.getTime())) {
    $('as-of').value = asOf.toISOString().slice(0, 23);
  }
  if (params.get('limit')) $('limit').value = params.get('limit');
  if (params.get('tab') && $(`tab-${params.get('tab')}`)) selectTab($(`tab-${params.get('tab')}`));
  if (params.get('experiment')) $('experiment').value = params.get('experiment');
  if (params.get('viewer')) {
    $('viewer').value = params.get('viewer');
    showFeeds(params.get('viewer'), asOfFromInput(), $('limit').value);
  }
  if (params.get('experiment')) $('report-form').requestSubmit();
}

async function showStats() {
  try {
    const stats = await api('stats');
    $('stats').textContent = `${stats.users} users · ${stats.posts} posts · ${stats.follows} follows · ${stats.engagements} engagements · retrieval ${stats.retrieval_backend} · vector space ${stats.vector_space}`;
    $('experiment-ids').replaceChildren(...stats.experiments.map((id) => el('option', { value: id })));
    if (!$('experiment').value && stats.experiments.length) $('experiment').value = stats.experiments[0];
  } catch (error) {
    $('stats').textContent = error.message;
  }
}

$('viewer-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const asOfMs = asOfFromInput();
  const params = new URLSearchParams({ viewer: $('viewer').value.trim(), limit: $('limit').value });
  if (asOfMs) params.set('as_of_ms', asOfMs);
  history.replaceState(null, '', `#${params}`);
  showFeeds($('viewer').value, asOfMs, $('limit').value);
});

$('report-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const hours = $('window-hours').value;
  try {
    renderReport(await api('experiment-report', {
      experiment_id: $('experiment').value.trim(),
      attribution_window_ms: hours ? Math.round(Number(hours) * 3600000) : undefined,
    }));
  } catch (error) {
    $('report-out').replaceChildren(el('p', { class: 'error', text: error.message }));
  }
});

$('replay-choice').addEventListener('change', () => {
  showServerReplay($('replay-choice').value).catch((error) => {
    $('replay-out').replaceChildren(el('p', { class: 'error', text: error.message }));
  });
});

$('replay-file').addEventListener('change', async () => {
  const file = $('replay-file').files[0];
  if (!file) return;
  try {
    renderReplay(JSON.parse(await file.text()));
  } catch (error) {
    $('replay-out').replaceChildren(el('p', { class: 'error', text: `not a replay report: ${error.message}` }));
  }
});

// "/" jumps to the viewer box from anywhere but a text field.
document.addEventListener('keydown', (event) => {
  if (event.key === '/' && !['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement.tagName)) {
    event.preventDefault();
    $('viewer').focus();
    $('viewer').select();
  }
});

// A link to another view (a pasted address, the back button) shows it without a reload.
window.addEventListener('hashchange', readHash);

wireTabs();
showStats();
showReplayList();
readHash();
