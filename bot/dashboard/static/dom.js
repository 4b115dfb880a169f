// Building the page: elements made with text nodes only (never HTML from data), so names
// cannot inject markup; small shared pieces.
import { state } from "./state.js";
import { t } from "./text.js";

export function el(tag, attrs, ...children) {
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

// A note in grey (nothing to show, a detail).
export function muted(text) {
  return el("p", { class: "muted" }, text);
}

// ``items`` each made by ``make``, as a list; ``none`` when there are none.
export function listOr(items, make, none, cls = "plain") {
  return items.length ? el("ul", { class: cls }, items.map(make)) : muted(none);
}

export function button(label, onclick, attrs) {
  return el("button", Object.assign({ type: "button", onclick }, attrs || {}), label);
}

export function stats(items) {
  return el("ul", { class: "stats" },
    items.map(([label, value]) => el("li", {}, el("b", {}, value), el("span", {}, label))));
}

export function names(list) {
  return list && list.length ? list.join(state.lang === "zh" ? "、" : ", ") : t("names_none");
}

export function toast(message) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (box.hidden = true), 5000);
}
