// Open alerts, with a close that asks for the outcome.
import { button, el, names } from "./dom.js";
import { nav, state } from "./state.js";
import { t, when } from "./text.js";

export function alertCard(a) {
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
    state.open[key]
      ? outcomeForm(a)
      : button(t("alerts.close"), () => nav.openPanel(key, true), { class: "primary", "data-close-alert": a.id }),
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
      nav.closePanel(key);
      nav.act("alerts/" + a.id + "/close", { outcome: chosen.value });
    } },
    el("fieldset", {}, el("legend", {}, t("alerts.choose")), choices),
    el("div", { class: "actions" }, submit, button(t("alerts.cancel"), () => nav.closePanel(key))),
  );
}
