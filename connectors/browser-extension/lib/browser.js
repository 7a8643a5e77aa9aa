// One name for the extension API in Chromium-based browsers (chrome) and Firefox (browser).
export const api = globalThis.browser ?? globalThis.chrome;
