// Telegram's side of a Mini App, without its SDK (nothing may load from telegram.org): the
// launch parameters in the URL's fragment, the sign-in data, the theme, and events to the client.
function launchParams() {
  return new URLSearchParams(location.hash.slice(1));
}

// Kept for the tab's life: a reload (or a link inside the page) may drop the fragment.
export function readInitData() {
  const tg = window.Telegram && window.Telegram.WebApp;
  if (tg && tg.initData) return tg.initData;
  const fromHash = launchParams().get("tgWebAppData");
  try {
    if (fromHash) sessionStorage.setItem("initData", fromHash);
    return fromHash || sessionStorage.getItem("initData") || "";
  } catch (_) {
    return fromHash || ""; // storage refused (a private window): the fragment alone
  }
}

// Dark or light as the Telegram client is (its theme's background), else as the phone is.
export function applyTheme(theme) {
  let dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  try {
    const bg = (theme || JSON.parse(launchParams().get("tgWebAppThemeParams") || "{}")).bg_color;
    if (/^#[0-9a-f]{6}$/i.test(bg || "")) {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(bg.slice(i, i + 2), 16));
      dark = 0.299 * r + 0.587 * g + 0.114 * b < 128;
    }
  } catch (_) {
    /* no theme given: the phone's setting stands */
  }
  document.documentElement.classList.toggle("dark", dark);
}

export function guessLanguage(initData) {
  try {
    const user = JSON.parse(new URLSearchParams(initData).get("user") || "{}");
    if (user.language_code) return user.language_code.startsWith("zh") ? "zh" : "en";
  } catch (_) {
    /* no user in it: fall back to the browser's language */
  }
  return (navigator.language || "zh").startsWith("zh") ? "zh" : "en";
}

// Events from the Telegram client: the apps call Telegram.WebView.receiveEvent, Telegram Web
// posts a message to the page's frame. ``handlers`` by event type, e.g. back_button_pressed.
export function onEvents(handlers) {
  const receive = (type, data) => handlers[type] && handlers[type](data || {});
  window.Telegram = window.Telegram || {};
  window.Telegram.WebView = window.Telegram.WebView || {};
  window.Telegram.WebView.receiveEvent = receive;
  window.addEventListener("message", (event) => {
    try {
      const { eventType, eventData } = JSON.parse(event.data);
      receive(eventType, eventData);
    } catch (_) {
      /* not a message from Telegram */
    }
  });
}

// Tell the Telegram client the page is ready and may take the full height (without its SDK).
export function postEvent(type, data) {
  const payload = JSON.stringify(data || {});
  try {
    if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, payload);
    else if (window.parent !== window)
      window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data || {} }), "*");
  } catch (_) {
    /* outside Telegram: nothing to tell */
  }
}
