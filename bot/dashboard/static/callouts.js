// Call-outs: the cards on Now, and one call-out's roster with the roster card's actions.
import { api } from "./api.js";
import { button, el, listOr, muted, names, stats } from "./dom.js";
import { nav, state } from "./state.js";
import { range, t, when } from "./text.js";

export async function calloutView() {
  const data = await api("callouts/" + state.callout);
  const c = data.callout;
  return [
    button(t("back"), () => nav.go("now")),
    el("h2", {}, c.title),
    calloutSummary(c),
    c.description ? el("p", {}, c.description) : null,
    el("h3", {}, t("callout.heading")),
    roster(data.people, c.started),
    el("h3", {}, t("callout.actions")),
    calloutActions(c, data.actions),
  ];
}

function calloutSummary(c) {
  const badges = [];
  if (c.emergency) badges.push(el("span", { class: "badge bad" }, t("callouts.emergency")));
  if (c.status === "closed") badges.push(el("span", { class: "badge" }, t("callout.status_closed")));
  if (c.status === "cancelled") badges.push(el("span", { class: "badge" }, t("callout.status_cancelled")));
  if (c.started) badges.push(el("span", { class: "badge" }, t("callouts.started")));
  if (c.status === "open" && c.short > 0) {
    badges.push(el("span", { class: "badge warn" }, t("callouts.short", { count: c.short })));
  }
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

export function calloutCard(c) {
  return el("article", { class: "card" + (c.status === "open" && c.short > 0 ? " short" : ""), "data-callout": c.id },
    el("h3", {}, c.title),
    calloutSummary(c),
    el("p", { class: "names-confirmed" }, t("callouts.names_confirmed", { names: names(c.names.confirmed) })),
    c.names.waiting.length ? el("p", {}, t("callouts.names_waiting", { names: names(c.names.waiting) })) : null,
    c.started ? el("p", {}, t("callouts.names_checked_in", { names: names(c.names.checked_in) })) : null,
    button(t("callouts.open"), () => nav.go("callout", c.id), { class: "primary" }),
  );
}

const ACTIONS = ["remind", "widen", "change_time", "close", "cancel", "export"];
const ACTION_PATHS = { remind: "remind", widen: "widen", close: "close", cancel: "cancel", export: "export" };

function calloutActions(c, allowed) {
  if (!allowed.length) return muted(t("callout.no_actions"));
  const panel = state.open["callout:" + c.id];
  if (panel === "close" || panel === "cancel") return confirmPanel(c, panel);
  if (panel === "change_time") return timeForm(c);
  return el("div", { class: "actions" },
    ACTIONS.filter((a) => allowed.includes(a)).map((a) =>
      button(t("callout.action." + a), () => {
        if (a === "close" || a === "cancel" || a === "change_time") nav.openPanel("callout:" + c.id, a);
        else nav.act("callouts/" + c.id + "/" + ACTION_PATHS[a], {});
      }, { "data-action": a, class: a === "cancel" ? "danger" : null }),
    ),
  );
}

function confirmPanel(c, what) {
  return el("div", { class: "card", role: "group" },
    el("p", {}, t("callout.confirm." + what, { title: c.title })),
    el("div", { class: "actions" },
      button(t("callout.confirm.yes_" + what), () => {
        nav.closePanel("callout:" + c.id);
        nav.act("callouts/" + c.id + "/" + what, {});
      }, { class: what === "cancel" ? "danger" : "primary" }),
      button(t("callout.confirm.no"), () => nav.closePanel("callout:" + c.id)),
    ),
  );
}

function timeForm(c) {
  const local = (iso) => (iso || "").slice(0, 16); // "YYYY-MM-DDTHH:MM", as the input wants
  const starts = el("input", { type: "datetime-local", name: "starts_at", value: local(c.starts_at), required: true });
  const ends = el("input", { type: "datetime-local", name: "ends_at", value: local(c.ends_at) });
  return el("form", { class: "card", onsubmit: (event) => {
      event.preventDefault();
      nav.closePanel("callout:" + c.id);
      nav.act("callouts/" + c.id + "/time", { starts_at: starts.value, ends_at: ends.value || null });
    } },
    el("label", { class: "field" }, t("callout.time.starts"), starts),
    el("label", { class: "field" }, t("callout.time.ends"), ends),
    el("div", { class: "actions" },
      el("button", { type: "submit", class: "primary" }, t("callout.time.save")),
      button(t("callout.confirm.no"), () => nav.closePanel("callout:" + c.id)),
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
      listOr(group, (p) => personItem(p, started), t("callout.nobody"), "plain roster"),
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
