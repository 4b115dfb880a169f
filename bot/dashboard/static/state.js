// What the page shows and what the leader has open, shared by the modules; ``nav`` holds the
// navigation and actions (app.js fills it), so a view can act without importing app.js.
export const state = {
  initData: "",
  lang: "zh",
  strings: {},
  me: null,
  today: null, // the community's date, "YYYY-MM-DD"
  tab: "now",
  callout: null, // the call-out whose roster is shown, or null
  week: null, // the rounds week shown (a date in it), null = this week
  month: null, // the hours month shown, null = this month
  filters: {}, // the volunteers filters
  page: 1,
  version: null,
  open: {}, // panels the leader opened (an alert's outcomes, a confirm), kept across refreshes
  busy: false,
};

export const nav = {
  render: async () => {},
  go: (tab, callout) => {},
  act: async (path, body) => {},
  openPanel: (key, value) => {},
  closePanel: (key) => {},
};
