// Volunteers: the registry with /volunteers' filters, and its export.
import { api, query } from "./api.js";
import { button, el, listOr, names, stats } from "./dom.js";
import { nav, state } from "./state.js";
import { t, tp } from "./text.js";

export async function volunteersView() {
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
    listOr(data.volunteers, volunteerItem, t("volunteers.none")),
    pager(data.page, data.pages),
    el("h3", {}, t("volunteers.export")),
    el("div", { class: "row" },
      button(t("volunteers.export_xlsx"), () => exportAs("xlsx")),
      button(t("volunteers.export_csv"), () => exportAs("csv")),
    ),
  ];
}

const FILTERS = [
  ["skill", "skills", (o) => [o.code, o.label]],
  ["team", "teams", (o) => [o.id, o.name]],
  ["compound", "compounds", (o) => [o, o]],
  ["availability", "availability", (o) => [o.code, o.label]],
  ["party", "party", (o) => [o.code, o.label]],
];

// The registry as a file, with the filters shown, sent to the leader's chat.
function exportAs(format) {
  return nav.act("volunteers/export", Object.assign({ format }, state.filters));
}

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
      nav.render();
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
    button(t("volunteers.previous"), () => { state.page = page - 1; nav.render(); }, { disabled: page <= 1 }),
    el("span", {}, t("volunteers.page", { page, pages })),
    button(t("volunteers.next"), () => { state.page = page + 1; nav.render(); }, { disabled: page >= pages }),
  );
}
