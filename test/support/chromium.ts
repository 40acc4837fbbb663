// A real browser for the dashboard's tests: Debian's Chromium (or CHROMIUM_PATH), driven by playwright-core.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
