/* The page's own data, rendered by the server into JSON blocks that never run
   (<script type="application/json">), so the Content-Security-Policy needs no inline script:
   #page-config (URLs, ids, flags) and #page-strings (see i18n.js). */

/** The JSON block with this id, or {} where the page has none (or outside a browser). */
export function readJson(id) {
  const element = typeof document === "undefined" ? null : document.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}

export const config = readJson("page-config");
