// Now: open call-outs, open alerts, today's rounds.
import { alertCard } from "./alerts.js";
import { api } from "./api.js";
import { calloutCard } from "./callouts.js";
import { button, el, muted } from "./dom.js";
import { roundsCoverage } from "./rounds.js";
import { nav, state } from "./state.js";
import { t } from "./text.js";

export async function nowView() {
  const data = await api("now");
  state.today = data.today;
  return [
    el("h2", {}, t("callouts.heading") + " (" + data.callouts.length + ")"),
    button(t("new.open"), () => nav.go("new"), { class: "primary", "data-new-callout": "" }),
    data.callouts.length ? data.callouts.map(calloutCard) : muted(t("callouts.none")),
    el("h2", {}, t("alerts.heading") + " (" + data.alerts.length + ")"),
    data.alerts.length ? data.alerts.map(alertCard) : muted(t("alerts.none")),
    el("h2", {}, t("rounds.today")),
    roundsCoverage(data.rounds),
  ];
}
