// The leaders' board: a Telegram Mini App. Plain JavaScript, no build step, nothing loaded from
// elsewhere. The API contract is /dashboard/api/* (see README); every request carries
// Telegram's initData, which the server checks. Text from the server is always put in as text
// (never as HTML), so names cannot inject markup.
"use strict";

const API = "api/";
const POLL_MS = 1000; // a press in chat must show within 2 s
const state = {
  initData: "",
  lang: "zh",
  strings: {},
  me: null,
  tab: "now",
  callout: null, // the call-out whose roster is shown, or null
  week: null, // the rounds week shown (a date in it), null = this week
  month: null, // the hours month shown, null = this month
  filters: {}, // the volunteers filters
  page: 1,
  version: null,
  open: {}, // panels the leader opened (an alert's outcomes, a confirm), kept across refreshes
  busy: false,
};

// -- Telegram ------------------------------------------------------------------------------

function launchParams() {
  return new URLSearchParams(location.hash.slice(1));
}

// Kept for the tab's life: a reload (or a link inside the page) may drop the fragment.
function readInitData() {
  const tg = window.Telegram && window.Telegram.WebApp;
  if (tg && tg.initData) return tg.initData;
  const fromHash = launchParams().get("tgWebAppData");
  try {
    if (fromHash) sessionStorage.setItem("initData", fromHash);
    return fromHash || sessionStorage.getItem("initData") || "";
  } catch (_) {
    return fromHash || ""; // storage refused (a private window): the fragment alone
  }
}

// Dark or light as the Telegram client is (its theme's background), else as the phone is.
function applyTheme() {
  let dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  try {
    const bg = JSON.parse(launchParams().get("tgWebAppThemeParams") || "{}").bg_color;
    if (/^#[0-9a-f]{6}$/i.test(bg || "")) {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(bg.slice(i, i + 2), 16));
      dark = 0.299 * r + 0.587 * g + 0.114 * b < 128;
    }
  } catch (_) {
    /* no theme given: the phone's setting stands */
  }
  document.documentElement.classList.toggle("dark", dark);
}

function guessLanguage(initData) {
  try {
    const user = JSON.parse(new URLSearchParams(initData).get("user") || "{}");
    if (user.language_code) return user.language_code.startsWith("zh") ? "zh" : "en";
  } catch (_) {
    /* no user in it: fall back to the browser's language */
  }
  return (navigator.language || "zh").startsWith("zh") ? "zh" : "en";
}

// Tell the Telegram client the page is ready and may take the full height (without its SDK).
function postEvent(type, data) {
  const payload = JSON.stringify(data || {});
  try {
    if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, payload);
    else if (window.parent !== window)
      window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data || {} }), "*");
  } catch (_) {
    /* outside Telegram: nothing to tell */
  }
}

// -- Strings -------------------------------------------------------------------------------

function t(key, params) {
  const text = state.strings["dashboard." + key] ?? state.strings[key] ?? key;
  return fill(text, params);
}

function tp(key, count, params) {
  const form = new Intl.PluralRules(state.lang === "zh" ? "zh-CN" : "en-GB").select(count);
  const full = "dashboard." + key + "." + form;
  const text = state.strings[full] ?? state.strings["dashboard." + key + ".other"] ?? key;
  return fill(text, Object.assign({ count }, params));
}

function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (all, name) =>
    params && params[name] !== undefined && params[name] !== null ? String(params[name]) : all,
  );
}

async function loadStrings(lang) {
  const response = await fetch(API + "strings?lang=" + encodeURIComponent(lang));
  const body = await response.json();
  state.lang = body.language || lang;
  state.strings = body.strings || {};
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
}

// -- Times (ISO 8601 in the community's timezone: read, never converted) ---------------------

function hhmm(iso) {
  return iso ? String(Number(iso.slice(11, 13))) + ":" + iso.slice(14, 16) : t("none");
}

function dayLabel(date) {
  const [y, m, d] = date.split("-").map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  const locale = state.lang === "zh" ? "zh-CN" : "en-GB";
  return new Intl.DateTimeFormat(locale, {
    timeZone: "UTC", weekday: "short", day: "numeric", month: "short",
  }).format(day);
}

// "8:00" today, "Fri 4 Dec, 8:00" another day.
function when(iso) {
  if (!iso) return t("none");
  const today = state.today || "";
  return iso.slice(0, 10) === today ? hhmm(iso) : dayLabel(iso.slice(0, 10)) + " " + hhmm(iso);
}

// Today in the community's timezone, as "YYYY-MM-DD" (the now view also says it).
function localToday(zone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  } catch (_) {
    return null;
  }
}

function range(start, end) {
  if (!end) return when(start);
  return when(start) + "–" + (end.slice(0, 10) === start.slice(0, 10) ? hhmm(end) : when(end));
}

function shiftDate(date, days) {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function shiftMonth(month, by) {
  const [y, m] = month.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1 + by, 1)).toISOString().slice(0, 7);
}

// -- DOM -----------------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function button(label, onclick, attrs) {
  return el("button", Object.assign({ type: "button", onclick }, attrs || {}), label);
}

function stats(items) {
  return el("ul", { class: "stats" }, items.map(([label, value]) => el("li", {}, el("b", {}, value), el("span", {}, label))));
}

function names(list) {
  return list && list.length ? list.join(state.lang === "zh" ? "、" : ", ") : t("names_none");
}

function toast(message) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (box.hidden = true), 5000);
}

// -- API -----------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.message || body.reason || body.error)) || String(status));
    this.status = status;
    this.body = body || {};
  }
}

async function api(path, body) {
  const init = { headers: { Authorization: "tma " + state.initData }, cache: "no-store" };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, init);
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function query(params) {
  const pairs = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return pairs.length ? "?" + new URLSearchParams(pairs).toString() : "";
}

// -- The error page (401, 403) -------------------------------------------------------------

function showError(error) {
  const reason = error.status === 403 ? "forbidden" : error.body.reason || "other";
  const known = ["missing", "forged", "stale", "forbidden"].includes(reason);
  document.getElementById("tabs").hidden = true;
  document.getElementById("live").textContent = "";
  document.title = t("error.heading");
  document.getElementById("title").textContent = t("title");
  const view = document.getElementById("view");
  view.replaceChildren(
    el("section", { class: "error-page", role: "alert", "data-error": reason },
      el("h2", {}, "⛔ " + t("error.heading")),
      el("p", {}, known ? t("error." + reason) : t("error.other")),
      error.status === 403 && error.body.message ? el("p", { class: "muted" }, error.body.message) : null,
      button(t("retry"), () => location.reload(), { class: "primary" }),
    ),
  );
  stopPolling();
}

function isFatal(error) {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}

// -- Views ---------------------------------------------------------------------------------

const views = {
  async now() {
    const data = await api("now");
    state.today = data.today;
    return [
      el("h2", {}, t("callouts.heading") + " (" + data.callouts.length + ")"),
      data.callouts.length ? data.callouts.map(calloutCard) : el("p", { class: "muted" }, t("callouts.none")),
      el("h2", {}, t("alerts.heading") + " (" + data.alerts.length + ")"),
      data.alerts.length ? data.alerts.map(alertCard) : el("p", { class: "muted" }, t("alerts.none")),
      el("h2", {}, t("rounds.today")),
      roundsCoverage(data.rounds),
    ];
  },

  async callout() {
    const data = await api("callouts/" + state.callout);
    const c = data.callout;
    return [
      button(t("back"), () => go("now")),
      el("h2", {}, c.title),
      calloutSummary(c),
      c.description ? el("p", {}, c.description) : null,
      el("h3", {}, t("callout.heading")),
      roster(data.people, c.started),
      el("h3", {}, t("callout.actions")),
      calloutActions(c, data.actions),
    ];
  },

  async rounds() {
    const data = await api("rounds" + query({ week: state.week }));
    return [
      el("h2", {}, t("rounds.duty")),
      duty(data.duty),
      el("h2", {}, t("rounds.elders")),
      data.elders.length ? el("ul", { class: "plain" }, data.elders.map(elderItem)) : el("p", { class: "muted" }, t("rounds.elders_none")),
      weekGrid(data.week, data.elders),
    ];
  },

  async volunteers() {
    const data = await api("volunteers" + query(Object.assign({ page: state.page }, state.filters)));
    return [
      el("h2", {}, t("volunteers.heading")),
      stats([
        [t("volunteers.heading"), data.counts.total],
        [t("volunteers.available", { count: "" }).replace(/[:：]\s*$/, ""), data.counts.available_now],
        [t("volunteers.paused", { count: "" }).replace(/[:：]\s*$/, ""), data.counts.paused],
      ]),
      volunteerFilters(data.filters),
      el("p", {}, tp("volunteers.total", data.matching ?? data.counts.total)),
      data.volunteers.length ? el("ul", { class: "plain" }, data.volunteers.map(volunteerItem)) : el("p", { class: "muted" }, t("volunteers.none")),
      pager(data.page, data.pages),
      el("h3", {}, t("volunteers.export")),
      el("div", { class: "row" },
        button(t("volunteers.export_xlsx"), () => act("volunteers/export", Object.assign({ format: "xlsx" }, state.filters))),
        button(t("volunteers.export_csv"), () => act("volunteers/export", Object.assign({ format: "csv" }, state.filters))),
      ),
    ];
  },

  async hours() {
    const data = await api("hours" + query({ month: state.month }));
    state.month = data.month;
    const teams = data.by_team.map((row) => [row.team || t("hours.no_team"), row.minutes]);
    const people = data.by_person.map((row) => [row.name + (row.team ? " · " + row.team : ""), row.minutes]);
    return [
      el("h2", {}, t("hours.heading") + " · " + data.month),
      el("div", { class: "row" },
        button(t("hours.previous"), () => { state.month = shiftMonth(data.month, -1); render(); }),
        button(t("hours.next"), () => { state.month = shiftMonth(data.month, 1); render(); }),
      ),
      el("h3", {}, t("hours.by_team")),
      teams.length ? barChart("by_team", teams, hoursText) : el("p", { class: "muted" }, t("hours.none")),
      el("h3", {}, t("hours.by_person")),
      people.length ? barChart("by_person", people, hoursText) : el("p", { class: "muted" }, t("hours.none")),
      el("h3", {}, t("hours.callouts")),
      data.callouts.length ? filledChart(data.callouts) : el("p", { class: "muted" }, t("hours.callouts_none")),
    ];
  },
};

// -- Now: call-outs ------------------------------------------------------------------------

function calloutSummary(c) {
  const badges = [];
  if (c.emergency) badges.push(el("span", { class: "badge bad" }, t("callouts.emergency")));
  if (c.status === "closed") badges.push(el("span", { class: "badge" }, t("callout.status_closed")));
  if (c.status === "cancelled") badges.push(el("span", { class: "badge" }, t("callout.status_cancelled")));
  if (c.started) badges.push(el("span", { class: "badge" }, t("callouts.started")));
  if (c.status === "open" && c.short > 0) badges.push(el("span", { class: "badge warn" }, t("callouts.short", { count: c.short })));
  if (c.status === "open" && c.needed && c.short === 0) badges.push(el("span", { class: "badge good" }, t("callouts.full")));
  return el("div", {},
    el("p", {}, "🕒 " + range(c.starts_at, c.ends_at)),
    c.place ? el("p", {}, t("callout.place", { place: c.place })) : null,
    el("div", { class: "badges" }, badges),
    stats([
      [t("callouts.needed"), c.needed ?? t("callouts.needed_open")],
      [t("callouts.confirmed"), c.confirmed],
      [t("callouts.waiting"), c.waiting],
      [t("callouts.checked_in"), c.checked_in],
    ]),
  );
}

function calloutCard(c) {
  return el("article", { class: "card" + (c.status === "open" && c.short > 0 ? " short" : ""), "data-callout": c.id },
    el("h3", {}, c.title),
    calloutSummary(c),
    el("p", { class: "names-confirmed" }, t("callouts.names_confirmed", { names: names(c.names.confirmed) })),
    c.names.waiting.length ? el("p", {}, t("callouts.names_waiting", { names: names(c.names.waiting) })) : null,
    c.started ? el("p", {}, t("callouts.names_checked_in", { names: names(c.names.checked_in) })) : null,
    button(t("callouts.open"), () => go("callout", c.id), { class: "primary" }),
  );
}

const ACTIONS = ["remind", "widen", "change_time", "close", "cancel", "export"];
const ACTION_PATHS = { remind: "remind", widen: "widen", close: "close", cancel: "cancel", export: "export" };

function calloutActions(c, allowed) {
  if (!allowed.length) return el("p", { class: "muted" }, t("callout.no_actions"));
  const panel = state.open["callout:" + c.id];
  if (panel === "close" || panel === "cancel") return confirmPanel(c, panel);
  if (panel === "change_time") return timeForm(c);
  return el("div", { class: "actions" },
    ACTIONS.filter((a) => allowed.includes(a)).map((a) =>
      button(t("callout.action." + a), () => {
        if (a === "close" || a === "cancel" || a === "change_time") openPanel("callout:" + c.id, a);
        else act("callouts/" + c.id + "/" + ACTION_PATHS[a], {});
      }, { "data-action": a, class: a === "cancel" ? "danger" : null }),
    ),
  );
}

function confirmPanel(c, what) {
  return el("div", { class: "card", role: "group" },
    el("p", {}, t("callout.confirm." + what, { title: c.title })),
    el("div", { class: "actions" },
      button(t("callout.confirm.yes_" + what), () => {
        closePanel("callout:" + c.id);
        act("callouts/" + c.id + "/" + what, {});
      }, { class: what === "cancel" ? "danger" : "primary" }),
      button(t("callout.confirm.no"), () => closePanel("callout:" + c.id)),
    ),
  );
}

function timeForm(c) {
  const starts = el("input", { type: "datetime-local", name: "starts_at", value: (c.starts_at || "").slice(0, 16), required: true });
  const ends = el("input", { type: "datetime-local", name: "ends_at", value: (c.ends_at || "").slice(0, 16) });
  return el("form", { class: "card", onsubmit: (event) => {
      event.preventDefault();
      closePanel("callout:" + c.id);
      act("callouts/" + c.id + "/time", { starts_at: starts.value, ends_at: ends.value || null });
    } },
    el("label", { class: "field" }, t("callout.time.starts"), starts),
    el("label", { class: "field" }, t("callout.time.ends"), ends),
    el("div", { class: "actions" },
      el("button", { type: "submit", class: "primary" }, t("callout.time.save")),
      button(t("callout.confirm.no"), () => closePanel("callout:" + c.id)),
    ),
  );
}

const ROSTER_ORDER = ["confirmed", "waiting", "declined", "withdrawn", "no_answer", "undelivered"];

function roster(people, started) {
  return ROSTER_ORDER.map((s) => {
    const group = people.filter((p) => p.state === s);
    if (!group.length && s !== "confirmed") return null;
    return el("section", { "data-state": s },
      el("h4", {}, t("callout.state." + s) + " (" + group.length + ")"),
      group.length ? el("ul", { class: "plain roster" }, group.map((p) => personItem(p, started))) : el("p", { class: "muted" }, t("callout.nobody")),
    );
  });
}

function personItem(p, started) {
  const details = [];
  if (p.position) details.push(t("callout.position", { position: p.position }));
  if (p.eta_minutes) details.push(t("callout.eta", { minutes: p.eta_minutes }));
  if (p.checked_in_at) details.push(t("callout.checked_in", { time: when(p.checked_in_at) }));
  if (p.checked_out_at) details.push(t("callout.checked_out", { time: when(p.checked_out_at) }));
  if (started && p.state === "confirmed" && !p.checked_in_at) details.push(t("callout.not_in"));
  if (p.answered_at) details.push(t("callout.answered", { time: when(p.answered_at) }));
  return el("li", { class: "person" },
    el("b", {}, p.name),
    " · ", t("callout.state." + p.state),
    p.clash ? el("p", { class: "detail" }, t("callout.clash")) : null,
    details.length ? el("p", { class: "detail" }, details.join(" · ")) : null,
  );
}

// -- Now: alerts ---------------------------------------------------------------------------

function alertCard(a) {
  const key = "alert:" + a.id;
  const place = [a.compound, a.building].filter(Boolean);
  return el("article", { class: "card alert", "data-alert": a.id },
    el("h3", {}, t("alerts.reason." + a.reason) + " · " + a.elder.name),
    place.length ? el("p", {}, t("alerts.place", { compound: a.compound || "", building: a.building || "" })) : null,
    a.team ? el("p", {}, t("alerts.team", { team: a.team.name })) : null,
    el("p", {}, t("alerts.since", { time: when(a.since) })),
    a.step || a.last_resort
      ? el("p", {}, t("alerts.now_with", { step: t("alerts.step." + (a.last_resort ? "last_resort" : a.step)) }))
      : null,
    el("p", {}, t("alerts.holders", { names: names(a.holders) })),
    state.open[key] ? outcomeForm(a) : button(t("alerts.close"), () => openPanel(key, true), { class: "primary", "data-close-alert": a.id }),
  );
}

function outcomeForm(a) {
  const key = "alert:" + a.id;
  const submit = el("button", { type: "submit", class: "primary", disabled: true }, t("alerts.confirm"));
  const choices = a.outcomes.map((code) =>
    el("label", { class: "choice" },
      el("input", { type: "radio", name: "outcome-" + a.id, value: code, onchange: () => (submit.disabled = false) }),
      t("rounds.outcome." + code),
    ),
  );
  return el("form", { onsubmit: (event) => {
      event.preventDefault();
      const chosen = event.target.querySelector("input:checked");
      if (!chosen) return;
      closePanel(key);
      act("alerts/" + a.id + "/close", { outcome: chosen.value });
    } },
    el("fieldset", {}, el("legend", {}, t("alerts.choose")), choices),
    el("div", { class: "actions" }, submit, button(t("alerts.cancel"), () => closePanel(key))),
  );
}

// -- Rounds --------------------------------------------------------------------------------

const COVERAGE = ["visited", "pending", "late", "missed", "needs_help", "no_answer"];

function coverageStats(totals) {
  return stats(COVERAGE.map((k) => [t("rounds.status." + k), totals[k] || 0]));
}

function roundsCoverage(rounds) {
  if (!rounds.compounds.length) return el("p", { class: "muted" }, t("rounds.none"));
  return [
    coverageStats(rounds.totals),
    rounds.compounds.map((c) =>
      el("section", { class: "card", "data-compound": c.compound },
        el("h3", {}, c.compound || t("none")),
        el("ul", { class: "plain" }, c.buildings.map((b) =>
          el("li", { "data-building": b.building },
            el("b", {}, b.building || t("none")), " ",
            el("span", { class: "badges" }, COVERAGE.filter((k) => b[k]).map((k) =>
              el("span", { class: "badge" + (["missed", "needs_help", "no_answer"].includes(k) ? " bad" : k === "pending" || k === "late" ? " warn" : " good") },
                t("rounds.status." + k) + " " + b[k]))),
          ))),
      ),
    ),
  ];
}

function duty(d) {
  return el("div", {},
    d.now
      ? el("p", { class: "on-duty" }, t("rounds.on_duty", { name: d.now.name, shift: t("rounds.shift." + d.now.shift) }))
      : el("p", { class: "on-duty" }, t("rounds.nobody_on_duty")),
    d.teams_without_leader && d.teams_without_leader.length
      ? el("p", {}, t("rounds.teams_without_leader", { teams: names(d.teams_without_leader) }))
      : null,
    el("h3", {}, t("rounds.rota")),
    el("ul", { class: "plain rota" }, rotaDays(d.rota).map(([date, shifts]) =>
      el("li", {}, el("b", {}, dayLabel(date)), shifts.map((r) =>
        el("span", { class: "shift" }, t("rounds.rota_shift", { shift: t("rounds.shift." + r.shift), name: r.name || t("rounds.shift_nobody") })))))),
  );
}

// The rota's shifts, one line per day.
function rotaDays(rota) {
  const days = new Map();
  rota.forEach((r) => days.set(r.date, (days.get(r.date) || []).concat([r])));
  return [...days.entries()];
}

function elderItem(e) {
  const last = e.last_visit;
  const outcome = last ? t("rounds.outcome." + last.outcome) + (last.late ? " " + t("rounds.late") : "") : null;
  return el("li", { class: "person", "data-elder": e.id },
    el("b", {}, e.name), e.alert_open ? el("span", { class: "badge bad" }, t("rounds.alert_open")) : null,
    el("p", { class: "detail" }, [e.team, e.compound, e.building].filter(Boolean).join(" · ")),
    el("p", { class: "detail" }, [
      e.visitor ? t("rounds.visitor", { visitor: e.visitor }) : null,
      e.backup ? t("rounds.backup", { backup: e.backup }) : null,
    ].filter(Boolean).join(" · ")),
    el("p", {}, last ? t("rounds.last_visit", { time: when(last.answered_at || last.due_at), outcome }) : t("rounds.never")),
  );
}

function cellText(cell) {
  if (!cell || !cell.due) return t("none");
  const marks = [];
  if (cell.needs_help) marks.push("🆘");
  if (cell.no_answer) marks.push("🚪");
  if (cell.missed) marks.push("⌛");
  if (cell.pending) marks.push("⏳");
  if (!marks.length && cell.visited === cell.due) marks.push("✅");
  return t("rounds.cell", { visited: cell.visited, due: cell.due }) + " " + marks.join("");
}

function weekGrid(week, elders) {
  const nameOf = Object.fromEntries(elders.map((e) => [e.id, e.name]));
  const first = week.days[0];
  return el("section", {},
    el("h2", {}, state.week ? t("rounds.week_of", { date: dayLabel(first) }) : t("rounds.week")),
    el("div", { class: "row" },
      button(t("rounds.previous_week"), () => { state.week = shiftDate(first, -7); render(); }),
      button(t("rounds.next_week"), () => { state.week = shiftDate(first, 7); render(); }),
    ),
    el("div", { class: "grid-wrap", role: "region", tabindex: "0", "aria-label": t("rounds.grid_label") },
      el("table", { class: "grid" },
        el("caption", { class: "muted" }, t("rounds.grid_label")),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("rounds.elders")), week.days.map((d) => el("th", { scope: "col", "data-today": d === state.today || null }, dayLabel(d))))),
        el("tbody", {}, week.rows.map((row) =>
          el("tr", {}, el("th", { scope: "row" }, nameOf[row.elder_id] || "#" + row.elder_id),
            week.days.map((d) => el("td", {}, cellText(row.cells.find((c) => c.date === d)))),
          ))),
      ),
    ),
  );
}

// -- Volunteers ----------------------------------------------------------------------------

const FILTERS = [
  ["skill", "skills", (o) => [o.code, o.label]],
  ["team", "teams", (o) => [o.id, o.name]],
  ["compound", "compounds", (o) => [o, o]],
  ["availability", "availability", (o) => [o.code, o.label]],
  ["party", "party", (o) => [o.code, o.label]],
];

function volunteerFilters(filters) {
  const selects = FILTERS.map(([name, list, pair]) => {
    const select = el("select", { name },
      el("option", { value: "" }, t("volunteers.any")),
      (filters[list] || []).map((o) => {
        const [value, label] = pair(o);
        return el("option", { value: String(value), selected: String(state.filters[name] || "") === String(value) }, label);
      }),
    );
    return el("label", { class: "field" }, t("volunteers." + name), select);
  });
  return el("form", { onsubmit: (event) => {
      event.preventDefault();
      state.filters = Object.fromEntries(new FormData(event.target).entries());
      state.page = 1;
      render();
    } },
    el("fieldset", {}, el("legend", {}, t("volunteers.filters")), selects,
      el("button", { type: "submit", class: "primary" }, t("volunteers.apply"))),
  );
}

function volunteerItem(v) {
  return el("li", { class: "person" },
    el("b", {}, v.name), v.paused ? el("span", { class: "badge warn" }, t("volunteers.paused_mark")) : null,
    el("p", { class: "detail" }, v.phone || t("volunteers.phone_hidden")),
    el("p", { class: "detail" }, [v.compound, v.building, names(v.teams), v.party].filter(Boolean).join(" · ")),
    v.skills.length ? el("p", { class: "detail" }, v.skills.join(" · ")) : null,
  );
}

function pager(page, pages) {
  if (pages <= 1) return null;
  return el("div", { class: "row" },
    button(t("volunteers.previous"), () => { state.page = page - 1; render(); }, { disabled: page <= 1 }),
    el("span", {}, t("volunteers.page", { page, pages })),
    button(t("volunteers.next"), () => { state.page = page + 1; render(); }, { disabled: page >= pages }),
  );
}

// -- Hours: bars drawn from the JSON, each with its number as text --------------------------

function hoursText(minutes) {
  const hours = Math.round(minutes / 6) / 10;
  return t("hours.amount", { hours: hours.toLocaleString(state.lang === "zh" ? "zh-CN" : "en-GB") });
}

function bar(part, whole) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("viewBox", "0 0 100 10");
  const track = document.createElementNS(ns, "rect");
  Object.entries({ class: "track", x: 0, y: 0, width: 100, height: 10 }).forEach(([k, v]) => track.setAttribute(k, v));
  const fill = document.createElementNS(ns, "rect");
  const width = whole > 0 ? Math.max(0, Math.min(100, (100 * part) / whole)) : 0;
  Object.entries({ class: "bar", x: 0, y: 0, width, height: 10 }).forEach(([k, v]) => fill.setAttribute(k, v));
  svg.append(track, fill);
  return svg;
}

function barChart(name, rows, format) {
  const most = Math.max(...rows.map(([, value]) => value), 1);
  return el("ul", { class: "chart", "data-chart": name }, rows.map(([label, value]) =>
    el("li", {}, el("div", { class: "label" }, el("span", {}, label), el("b", {}, format(value))), bar(value, most))));
}

function filledChart(callouts) {
  return el("ul", { class: "chart", "data-chart": "callouts" }, callouts.map((c) => {
    const figure = c.needed ? t("hours.filled", { filled: c.filled, needed: c.needed }) : t("hours.filled_open", { filled: c.filled });
    return el("li", {},
      el("div", { class: "label" }, el("span", {}, c.title + " · " + when(c.starts_at)), el("b", {}, figure)),
      bar(c.filled, c.needed || c.filled));
  }));
}

// -- Navigation, actions, live updates ------------------------------------------------------

function openPanel(key, value) {
  state.open[key] = value;
  render();
}

function closePanel(key) {
  delete state.open[key];
  render();
}

function go(tab, callout) {
  state.tab = tab;
  state.callout = callout || null;
  render().then(() => {
    window.scrollTo(0, 0);
    document.getElementById("view").focus({ preventScroll: true });
  });
}

async function act(path, body) {
  if (state.busy) return;
  state.busy = true;
  try {
    const result = await api(path, body);
    toast(result.message || "✓");
  } catch (error) {
    if (isFatal(error) && error.status === 401) return showError(error);
    toast(error instanceof ApiError ? error.message : t("error.other"));
  } finally {
    state.busy = false;
  }
  await render();
}

function tabs() {
  const list = ["now", "rounds"];
  if (state.me.can.volunteers) list.push("volunteers");
  if (state.me.can.hours) list.push("hours");
  const nav = document.getElementById("tabs");
  const current = state.tab === "callout" ? "now" : state.tab;
  nav.replaceChildren(...list.map((tab) =>
    el("button", { type: "button", role: "tab", "aria-selected": String(tab === current), "data-tab": tab, onclick: () => go(tab) }, t("tab." + tab))));
  nav.hidden = false;
}

// A live refresh redraws the view: what the leader was choosing or typing (an alert's outcome,
// a new time, filters not yet applied) and where they were stay as they were.
function keepInputs(view) {
  const keyOf = (input) => input.name + (input.type === "radio" ? "=" + input.value : "");
  const values = new Map();
  view.querySelectorAll("input[name], select[name]").forEach((input) =>
    values.set(keyOf(input), input.type === "radio" ? input.checked : input.value));
  const focused = document.activeElement && view.contains(document.activeElement) && document.activeElement.name
    ? keyOf(document.activeElement) : null;
  return (fresh) => fresh.querySelectorAll("input[name], select[name]").forEach((input) => {
    const key = keyOf(input);
    if (!values.has(key)) return;
    if (input.type === "radio") {
      if (values.get(key) && !input.checked) {
        input.checked = true;
        input.dispatchEvent(new Event("change"));
      }
    } else input.value = values.get(key);
    if (key === focused) input.focus();
  });
}

let rendering = null;
async function render() {
  // One render at a time; a render asked for meanwhile runs once the current one ends.
  if (rendering) {
    render.again = true;
    return rendering;
  }
  rendering = (async () => {
    try {
      const view = document.getElementById("view");
      const content = await views[state.tab]();
      tabs();
      const kept = keepInputs(view);
      view.replaceChildren(...[content].flat(3).filter(Boolean));
      kept(view);
      view.querySelectorAll(".grid-wrap [data-today]").forEach((cell) => {
        const wrap = cell.closest(".grid-wrap");
        wrap.scrollLeft = Math.max(0, cell.offsetLeft - wrap.clientWidth / 2);
      });
      view.setAttribute("data-view", state.tab);
      live(true);
    } catch (error) {
      if (isFatal(error)) showError(error);
      else if (error instanceof ApiError) toast(error.message);
      else live(false);
    }
  })();
  await rendering;
  rendering = null;
  if (render.again) {
    render.again = false;
    await render();
  }
}

function live(ok) {
  const now = new Date();
  const time = now.getHours() + ":" + String(now.getMinutes()).padStart(2, "0") + ":" + String(now.getSeconds()).padStart(2, "0");
  document.getElementById("live").textContent = ok ? t("updated", { time }) : t("offline");
}

let poller = null;
async function poll() {
  if (document.hidden || rendering) return;
  try {
    const { version } = await api("version");
    if (version !== state.version) {
      state.version = version;
      await render();
    }
  } catch (error) {
    if (isFatal(error)) showError(error);
    else live(false);
  }
}

function startPolling() {
  if (!poller) poller = setInterval(poll, POLL_MS);
}

function stopPolling() {
  clearInterval(poller);
  poller = null;
}

async function start() {
  applyTheme();
  state.initData = readInitData();
  const guess = guessLanguage(state.initData);
  try {
    await loadStrings(guess);
  } catch (_) {
    state.strings = {};
  }
  if (!state.initData) return showError(new ApiError(401, { reason: "missing" }));
  try {
    state.me = await api("me");
  } catch (error) {
    return showError(error instanceof ApiError ? error : new ApiError(0, {}));
  }
  if (state.me.language && state.me.language !== state.lang) await loadStrings(state.me.language);
  document.title = t("title");
  document.getElementById("title").textContent = t("title") + (state.me.community ? " · " + state.me.community : "");
  state.version = state.me.version;
  state.today = localToday(state.me.timezone);
  // The roster card's button opens its call-out: <board url>?callout=<id>.
  const callout = new URLSearchParams(location.search).get("callout");
  if (/^[0-9]{1,18}$/.test(callout || "")) {
    state.tab = "callout";
    state.callout = callout;
  }
  postEvent("web_app_ready");
  postEvent("web_app_expand");
  await render();
  startPolling();
  document.addEventListener("visibilitychange", () => document.hidden || poll());
}

start();
