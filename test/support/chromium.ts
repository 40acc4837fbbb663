// A real browser for the browser tests (dashboard, GraphiQL): Debian's Chromium (or CHROMIUM_PATH), driven by playwright-core.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
