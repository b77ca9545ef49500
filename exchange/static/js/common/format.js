/* Numbers, money and dates the way the page's language writes them. The conventions are
   the server's Babel locales (de, en): "28.11.2026" / "Nov 28, 2026". */

let language = null;

/** Tests set the language; a page takes it from <html lang>. */
export function useLanguage(lang) {
  language = lang;
}

/** The Intl locale of the page: en-US for English, de-DE otherwise. */
export function locale() {
  if (language === null) {
    language = typeof document === "undefined" ? "de" : document.documentElement.lang;
  }
  return language === "en" ? "en-US" : "de-DE";
}

/** A number from an API value (numbers, decimal strings); null when there is none. */
export function toNumber(value) {
  if (value === null || value === undefined || value === "") return null;
  const number = typeof value === "number" ? value : parseFloat(value);
  return isNaN(number) ? null : number;
}

export function formatNumber(value, digits) {
  const number = toNumber(value);
  if (number === null) return "";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits === undefined ? 1 : digits })
    .format(number);
}

/** Large counts shortened ("12K", "12.345" stays whole below 10,000). */
export function formatCount(count) {
  return count >= 10000
    ? new Intl.NumberFormat(locale(), { notation: "compact", maximumFractionDigits: 0 }).format(count)
    : formatNumber(count, 0);
}

/** 0..100 as the reader writes a percentage (de "50 %", en "50%"). */
export function formatPercent(n) {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(n / 100);
}

export function formatMoney(value) {
  const number = toNumber(value);
  if (number === null) return "";
  const whole = Math.round(number) === number;
  return new Intl.NumberFormat(locale(), {
    style: "currency", currency: "EUR",
    minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: 2,
  }).format(number);
}

/** "YYYY-MM-DD" as a local date (no time zone shift). */
export function formatDate(value) {
  if (!value) return "";
  const parts = String(value).slice(0, 10).split("-");
  const date = new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]));
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(date);
}

/** A moment (ISO 8601) as date and time in Berlin, where every user of the product is. */
export function formatDateTime(value) {
  if (!value) return "";
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: "medium", timeStyle: "short", timeZone: "Europe/Berlin",
  }).format(new Date(value));
}
