/* The JSON API client: session cookie, the CSRF token on every write, answers as
   {ok, status, data}. */
import { t } from "./i18n.js";
import { config } from "./page.js";

const API_BASE = config.api || "/api/v1";

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

/** fetch() against our API: JSON in and out, session cookie, CSRF header on writes.
    Resolves to {ok, status, data}; rejects only when the network fails.
    options: signal (to abort), keepalive (to outlive a page being left). */
export function api(method, path, body, options) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json" },
    signal: options && options.signal,
  };
  if (options && options.keepalive) init.keepalive = true;
  if (method !== "GET") init.headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(API_BASE + path, init).then((response) => {
    if (response.status === 204) return { ok: true, status: 204, data: null };
    return response.json().then(
      (data) => ({ ok: response.ok, status: response.status, data }),
      () => ({ ok: response.ok, status: response.status, data: null }),
    );
  });
}

/** A new key for one intended write (a UUID): sent again with the same write, it makes the
    server answer with the first result instead of storing twice (Idempotency-Key, or a chat
    message's client_key). crypto.randomUUID needs a secure context; the fallback does not. */
export function newKey() {
  const cryptoApi = globalThis.crypto;
  if (cryptoApi && typeof cryptoApi.randomUUID === "function") return cryptoApi.randomUUID();
  const bytes = new Uint8Array(16);
  cryptoApi.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** A file as multipart form data (field `file`), with the CSRF token; resolves to the
    fetch Response (the caller reads what it needs: 201, 413, 415 …). */
export function postFile(path, file) {
  const data = new FormData();
  data.append("file", file, file.name);
  return fetch(API_BASE + path, {
    method: "POST", credentials: "same-origin", body: data,
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
  });
}

/** "?a=1&b=x" from the parameters that have a value ("" when none has). */
export function query(params) {
  const parts = [];
  Object.keys(params).forEach((key) => {
    const value = params[key];
    if (value !== undefined && value !== null && value !== "") {
      parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(value));
    }
  });
  return parts.length ? "?" + parts.join("&") : "";
}

/** The text of an error answer for the user. */
export function errorText(result) {
  if (result.status === 409) return t("error_conflict");
  if (result.status === 403) return t("error_forbidden");
  if (result.status === 404) return t("error_not_found");
  if (result.status === 422) return t("error_fields");
  return t("error_generic");
}
