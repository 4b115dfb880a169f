// Rounds: today's coverage by compound and building, the elders, the week's grid, the rota.
import { api, query } from "./api.js";
import { button, el, listOr, muted, names, stats } from "./dom.js";
import { nav, state } from "./state.js";
import { dayLabel, shiftDate, t, when } from "./text.js";

export async function roundsView() {
  const data = await api("rounds" + query({ week: state.week }));
  return [
    extraRound(data.round_now_teams || []),
    el("h2", {}, t("rounds.duty")),
    duty(data.duty),
    el("h2", {}, t("rounds.elders")),
    listOr(data.elders, elderItem, t("rounds.elders_none")),
    weekGrid(data.week, data.elders),
  ];
}

// An extra round now (a heat wave, a storm), as /round_now: a team's visitors are asked to go.
function extraRound(teams) {
  if (!teams.length) return null;
  const chosen = state.open.round_now;
  const team = teams.find((x) => String(x.id) === String(chosen));
  if (team) {
    return el("div", { class: "card", role: "group" },
      el("p", {}, t("rounds.extra.confirm", { team: team.name })),
      el("div", { class: "actions" },
        button(t("rounds.extra.yes"), () => {
          nav.closePanel("round_now");
          nav.act("rounds/now", { team_id: team.id });
        }, { class: "primary" }),
        button(t("rounds.extra.no"), () => nav.closePanel("round_now")),
      ),
    );
  }
  return el("section", {},
    el("h2", {}, t("rounds.extra.heading")),
    el("div", { class: "actions" }, teams.map((x) =>
      button(t("rounds.extra.start", { team: x.name }), () => nav.openPanel("round_now", x.id), { "data-round-now": x.id }))),
  );
}

const COVERAGE = ["visited", "pending", "late", "missed", "needs_help", "no_answer"];
// Each count's colour, beside its words and symbol (never instead of them).
const TONE = { visited: "good", pending: "warn", late: "warn", missed: "bad", needs_help: "bad", no_answer: "bad" };

function coverageStats(totals) {
  return stats(COVERAGE.map((k) => [t("rounds.status." + k), totals[k] || 0]));
}

export function roundsCoverage(rounds) {
  if (!rounds.compounds.length) return muted(t("rounds.none"));
  return [
    coverageStats(rounds.totals),
    rounds.compounds.map((c) =>
      el("section", { class: "card", "data-compound": c.compound },
        el("h3", {}, c.compound || t("none")),
        el("ul", { class: "plain" }, c.buildings.map((b) =>
          el("li", { "data-building": b.building },
            el("b", {}, b.building || t("none")), " ",
            el("span", { class: "badges" }, COVERAGE.filter((k) => b[k]).map((k) =>
              el("span", { class: "badge " + TONE[k] },
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
        el("span", { class: "shift" }, t("rounds.rota_shift", {
          shift: t("rounds.shift." + r.shift), name: r.name || t("rounds.shift_nobody"),
        })))))),
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
      button(t("rounds.previous_week"), () => { state.week = shiftDate(first, -7); nav.render(); }),
      button(t("rounds.next_week"), () => { state.week = shiftDate(first, 7); nav.render(); }),
    ),
    el("div", { class: "grid-wrap", role: "region", tabindex: "0", "aria-label": t("rounds.grid_label") },
      el("table", { class: "grid" },
        el("caption", { class: "muted" }, t("rounds.grid_label")),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("rounds.elders")), week.days.map((d) =>
          el("th", { scope: "col", "data-today": d === state.today || null }, dayLabel(d))))),
        el("tbody", {}, week.rows.map((row) =>
          el("tr", {}, el("th", { scope: "row" }, nameOf[row.elder_id] || "#" + row.elder_id),
            week.days.map((d) => el("td", {}, cellText(row.cells.find((c) => c.date === d)))),
          ))),
      ),
    ),
  );
}
