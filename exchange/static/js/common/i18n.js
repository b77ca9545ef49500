/* Visible text: every string comes translated from the server in #page-strings, so no
   script holds words of its own. Placeholders are {name}; counted texts have the keys
   <base>_one and <base>_other. */
import { formatNumber } from "./format.js";
import { readJson } from "./page.js";

let strings = null;

/** Tests give the strings; a page reads them from #page-strings on first use. */
export function useStrings(table) {
  strings = table;
}

function table() {
  if (strings === null) strings = readJson("page-strings");
  return strings;
}

/** A translated string with {name} placeholders filled in (the key itself when unknown). */
export function t(key, values) {
  const known = table()[key];
  let text = known !== undefined ? known : key;
  if (values) {
    text = text.replace(/\{(\w+)\}/g, (whole, name) =>
      values[name] !== undefined && values[name] !== null ? String(values[name]) : whole);
  }
  return text;
}

/** The singular or plural form of a counted text, {n} written in the page's language. */
export function tn(base, n, values) {
  const all = Object.assign({ n: formatNumber(n) }, values || {});
  return t(n === 1 ? base + "_one" : base + "_other", all);
}
