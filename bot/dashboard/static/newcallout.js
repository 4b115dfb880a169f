// A new call-out, as the chat's /callout form makes it: a template, what and where, when, how
// many, and who is asked; a preview says how many it reaches before it can be sent.
import { ApiError, api } from "./api.js";
import { button, el } from "./dom.js";
import { nav } from "./state.js";
import { t, tp } from "./text.js";

export async function newCalloutView() {
  const offer = await api("callouts/new");
  const form = el("form", { class: "new-callout", onsubmit: (event) => event.preventDefault() },
    templateField(offer.templates),
    field("title", el("input", { name: "title", required: true, maxlength: 120 })),
    field("place", el("input", { name: "place", maxlength: 200 })),
    field("description", el("textarea", { name: "description", rows: 3, maxlength: 1000 })),
    field("starts", el("input", { type: "datetime-local", name: "starts_at", required: true })),
    field("ends", el("input", { type: "datetime-local", name: "ends_at", required: true })),
    field("needed", el("input", { type: "number", name: "needed", min: 1, inputmode: "numeric" })),
    choices("urgency", "radio", [["normal", t("new.urgency_normal")], ["emergency", t("new.urgency_emergency")]]),
    audience(offer),
    choices("skills", "checkbox", offer.skills.map((s) => [s.code, s.label])),
    choices("skill_match", "radio", [["any", t("new.skill_any")], ["all", t("new.skill_all")]], ["any"]),
    el("p", { class: "reach", role: "status" }),
    el("div", { class: "actions" },
      button(t("new.preview"), (event) => preview(event.target.form), { class: "primary", "data-preview": "" }),
      button(t("new.send"), (event) => send(event.target.form), { disabled: true, "data-send": "" }),
      button(t("back"), () => nav.go("now")),
    ),
  );
  form.addEventListener("input", () => stale(form));
  suggest(form, offer.templates[0]);
  return [button(t("back"), () => nav.go("now")), el("h2", {}, t("new.heading")), form];
}

function field(name, input) {
  return el("label", { class: "field" }, t("new." + name), input);
}

// Choices with their words beside each box (big enough to tap).
function choices(name, type, options, checked = []) {
  return el("fieldset", {}, el("legend", {}, t("new." + name)), options.map(([value, label]) =>
    el("label", { class: "choice" },
      el("input", { type, name, value: String(value), checked: checked.includes(value) }), label)));
}

function audience(offer) {
  const who = [];
  if (!offer.teams_only) who.push(choices("everyone", "checkbox", [["yes", t("new.everyone_yes")]]));
  if (offer.teams.length) who.push(choices("team_ids", "checkbox", offer.teams.map((x) => [x.id, x.name])));
  if (offer.compounds.length) who.push(choices("compounds", "checkbox", offer.compounds.map((c) => [c, c])));
  who.push(choices("party_only", "checkbox", [["yes", t("new.party_yes")]]));
  return el("section", {}, el("h3", {}, t("new.who")), who);
}

// A template fills in what it suggests; the leader changes what they like.
function templateField(templates) {
  const select = el("select", { name: "template" },
    templates.map((x) => el("option", { value: x.code }, x.label)));
  select.addEventListener("change", () => suggest(select.form, templates.find((x) => x.code === select.value)));
  return field("template", select);
}

function suggest(form, template) {
  if (!template) return;
  form.elements.title.value = template.code === "other" ? "" : template.label;
  form.elements.needed.value = template.needed || "";
  form.querySelectorAll("input[name='urgency']").forEach((r) => (r.checked = r.value === template.urgency));
  form.querySelectorAll("input[name='skills']").forEach((c) => (c.checked = template.suggested_skills.includes(c.value)));
  const starts = form.elements.starts_at.value;
  if (starts) form.elements.ends_at.value = plusMinutes(starts, template.minutes);
}

// "2026-12-04T08:00" + minutes, read and written as the community's wall clock.
function plusMinutes(local, minutes) {
  const moved = new Date(Date.parse(local + ":00Z") + minutes * 60000);
  return moved.toISOString().slice(0, 16);
}

function draft(form) {
  const all = (name) => [...form.querySelectorAll(`input[name='${name}']:checked`)].map((c) => c.value);
  const needed = form.elements.needed.value;
  return {
    template: form.elements.template.value,
    title: form.elements.title.value.trim(),
    place: form.elements.place.value.trim(),
    description: form.elements.description.value.trim(),
    starts_at: form.elements.starts_at.value,
    ends_at: form.elements.ends_at.value,
    needed: needed ? Number(needed) : null,
    urgency: all("urgency")[0] || "normal",
    skills: all("skills"),
    skill_match: all("skill_match")[0] || "any",
    team_ids: all("team_ids").map(Number),
    compounds: all("compounds"),
    everyone: all("everyone").length > 0,
    party_only: all("party_only").length > 0,
  };
}

// Anything changed after a preview: preview again before sending.
function stale(form) {
  form.querySelector("[data-send]").disabled = true;
  form.querySelector(".reach").textContent = "";
}

async function preview(form) {
  if (!form.reportValidity()) return;
  const reach = form.querySelector(".reach");
  try {
    const { reach: count } = await api("callouts/preview", draft(form));
    reach.textContent = count ? tp("new.reaches", count) : t("new.reaches_nobody");
    form.querySelector("[data-send]").disabled = !count;
  } catch (error) {
    reach.textContent = error instanceof ApiError ? error.message : t("error.other");
  }
}

async function send(form) {
  const created = await nav.act("callouts", draft(form));
  if (created && created.id) nav.go("callout", created.id);
}
