// The live board: a Telegram Mini App. Plain JavaScript modules, no build step, nothing loaded
// from elsewhere. The API is /dashboard/api/* (see README); every request carries Telegram's
// initData, which the server checks. This module starts the page, moves between views, runs
// the leader's actions and keeps the view live (polling the data's version).
import { ApiError, api } from "./api.js";
import { calloutView } from "./callouts.js";
import { button, el, muted, toast } from "./dom.js";
import { hoursView } from "./hours.js";
import { newCalloutView } from "./newcallout.js";
import { nowView } from "./now.js";
import { roundsView } from "./rounds.js";
import { nav, state } from "./state.js";
import { applyTheme, guessLanguage, onEvents, postEvent, readInitData } from "./telegram.js";
import { loadStrings, localToday, t } from "./text.js";
import { volunteersView } from "./volunteers.js";

const POLL_MS = 1000; // a press in chat must show within 2 s
const views = {
  now: nowView, callout: calloutView, new: newCalloutView, rounds: roundsView, volunteers: volunteersView, hours: hoursView,
};
const LIVE_VIEWS = ["now", "callout", "rounds", "volunteers", "hours"]; // not a form being filled in

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
      error.status === 403 && error.body.message ? muted(error.body.message) : null,
      button(t("retry"), () => location.reload(), { class: "primary" }),
    ),
  );
  stopPolling();
}

function isFatal(error) {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
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
  // Telegram's own back button (top left) while a call-out or the new call-out form is open.
  postEvent("web_app_setup_back_button", { is_visible: ["callout", "new"].includes(tab) });
  render().then(() => {
    window.scrollTo(0, 0);
    document.getElementById("view").focus({ preventScroll: true });
  });
}

// One of the leader's actions; its answer (null when refused: the toast says why).
async function act(path, body) {
  if (state.busy) return null;
  state.busy = true;
  let result = null;
  try {
    result = await api(path, body);
    toast(result.message || "✓");
  } catch (error) {
    if (isFatal(error) && error.status === 401) {
      showError(error);
      return null;
    }
    toast(error instanceof ApiError ? error.message : t("error.other"));
  } finally {
    state.busy = false;
  }
  await render();
  return result;
}

function tabs() {
  const list = ["now", "rounds"];
  if (state.me.can.volunteers) list.push("volunteers");
  if (state.me.can.hours) list.push("hours");
  const nav = document.getElementById("tabs");
  const current = ["callout", "new"].includes(state.tab) ? "now" : state.tab;
  nav.replaceChildren(...list.map((tab) =>
    el("button", {
      type: "button", role: "tab", "aria-selected": String(tab === current), "data-tab": tab, onclick: () => go(tab),
    }, t("tab." + tab))));
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
      if (!(error instanceof ApiError)) live(false);
      else if (error.status === 401) showError(error);
      else {
        toast(error.message); // e.g. a call-out outside the leader's teams: back to Now
        if (state.tab !== "now" && [403, 404].includes(error.status)) {
          state.tab = "now";
          state.callout = null;
          render.again = true;
        }
      }
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
  const two = (n) => String(n).padStart(2, "0");
  const time = now.getHours() + ":" + two(now.getMinutes()) + ":" + two(now.getSeconds());
  document.getElementById("live").textContent = ok ? t("updated", { time }) : t("offline");
}

let poller = null;
async function poll() {
  if (document.hidden || rendering || !LIVE_VIEWS.includes(state.tab)) return;
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
    postEvent("web_app_setup_back_button", { is_visible: true });
  }
  onEvents({ back_button_pressed: () => go("now"), theme_changed: (data) => applyTheme(data.theme_params) });
  postEvent("web_app_ready");
  postEvent("web_app_expand");
  await render();
  startPolling();
  document.addEventListener("visibilitychange", () => document.hidden || poll());
}

Object.assign(nav, { render, go, act, openPanel, closePanel });
start();
