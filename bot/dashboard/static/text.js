// The page's strings (from /dashboard/api/strings) and times (ISO 8601 in the community's
// timezone: read as written, never converted).
import { API } from "./api.js";
import { state } from "./state.js";

export function t(key, params) {
  const text = state.strings["dashboard." + key] ?? state.strings[key] ?? key;
  return fill(text, params);
}

export function tp(key, count, params) {
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

export async function loadStrings(lang) {
  const response = await fetch(API + "strings?lang=" + encodeURIComponent(lang));
  const body = await response.json();
  state.lang = body.language || lang;
  state.strings = body.strings || {};
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
}

function hhmm(iso) {
  return iso ? String(Number(iso.slice(11, 13))) + ":" + iso.slice(14, 16) : t("none");
}

export function dayLabel(date) {
  const [y, m, d] = date.split("-").map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  const locale = state.lang === "zh" ? "zh-CN" : "en-GB";
  return new Intl.DateTimeFormat(locale, {
    timeZone: "UTC", weekday: "short", day: "numeric", month: "short",
  }).format(day);
}

// "8:00" today, "Fri 4 Dec, 8:00" another day.
export function when(iso) {
  if (!iso) return t("none");
  const today = state.today || "";
  return iso.slice(0, 10) === today ? hhmm(iso) : dayLabel(iso.slice(0, 10)) + " " + hhmm(iso);
}

// Today in the community's timezone, as "YYYY-MM-DD" (the now view also says it).
export function localToday(zone) {
  try {
    const parts = { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" };
    return new Intl.DateTimeFormat("en-CA", parts).format(new Date()); // en-CA writes YYYY-MM-DD
  } catch (_) {
    return null;
  }
}

export function range(start, end) {
  if (!end) return when(start);
  return when(start) + "–" + (end.slice(0, 10) === start.slice(0, 10) ? hhmm(end) : when(end));
}

export function shiftDate(date, days) {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function shiftMonth(month, by) {
  const [y, m] = month.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1 + by, 1)).toISOString().slice(0, 7);
}
