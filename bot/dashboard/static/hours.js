// Hours and reports: bars drawn from the JSON, each with its number as text.
import { api, query } from "./api.js";
import { button, el, muted } from "./dom.js";
import { nav, state } from "./state.js";
import { shiftMonth, t, when } from "./text.js";

export async function hoursView() {
  const data = await api("hours" + query({ month: state.month }));
  state.month = data.month;
  const teams = data.by_team.map((row) => [row.team || t("hours.no_team"), row.minutes]);
  const people = data.by_person.map((row) => [row.name + (row.team ? " · " + row.team : ""), row.minutes]);
  return [
    el("h2", {}, t("hours.heading") + " · " + data.month),
    el("div", { class: "row" },
      button(t("hours.previous"), () => { state.month = shiftMonth(data.month, -1); nav.render(); }),
      button(t("hours.next"), () => { state.month = shiftMonth(data.month, 1); nav.render(); }),
    ),
    el("h3", {}, t("hours.by_team")),
    teams.length ? barChart("by_team", teams, hoursText) : muted(t("hours.none")),
    el("h3", {}, t("hours.by_person")),
    people.length ? barChart("by_person", people, hoursText) : muted(t("hours.none")),
    el("h3", {}, t("hours.callouts")),
    data.callouts.length ? filledChart(data.callouts) : muted(t("hours.callouts_none")),
  ];
}

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
    const figure = c.needed
      ? t("hours.filled", { filled: c.filled, needed: c.needed })
      : t("hours.filled_open", { filled: c.filled });
    return el("li", {},
      el("div", { class: "label" }, el("span", {}, c.title + " · " + when(c.starts_at)), el("b", {}, figure)),
      bar(c.filled, c.needed || c.filled));
  }));
}
