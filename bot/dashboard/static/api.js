// The board's API: every request carries Telegram's initData; errors keep their status.
import { state } from "./state.js";

export const API = "api/";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.message || body.reason || body.error)) || String(status));
    this.status = status;
    this.body = body || {};
  }
}

export async function api(path, body) {
  const init = { headers: { Authorization: "tma " + state.initData }, cache: "no-store" };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, init);
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export function query(params) {
  const pairs = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return pairs.length ? "?" + new URLSearchParams(pairs).toString() : "";
}
