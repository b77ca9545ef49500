/* Sharing a listing in one of my chat rooms, with a comment; it shows there as a card. */
import { api, errorText } from "../common/api.js";
import { el } from "../common/dom.js";
import { focusFirst } from "../common/focus.js";
import { t } from "../common/i18n.js";

function chatRoomName(room) {
  if (room.kind === "direct") return room.peer ? room.peer.name : t("direct_room");
  return room.name;
}

function shareForm(listing, rooms, box, button) {
  const select = el("select", { "data-testid": "share-room", "aria-label": t("share_room") },
    rooms.map((room) => el("option", { value: room.id, text: chatRoomName(room) })));
  const comment = el("textarea", { rows: 2, maxlength: 10000, "data-testid": "share-comment",
    placeholder: t("share_comment"), "aria-label": t("share_comment") });
  const send = el("button", { type: "button", class: "kern-btn kern-btn--primary", "data-testid": "share-send", text: t("share_send"),
    onclick: () => {
      send.disabled = true;
      const roomId = Number(select.value);
      api("POST", "/rooms/" + roomId + "/messages", { body: comment.value, listing_id: listing.id })
        .then((posted) => {
          send.disabled = false;
          const name = select.options[select.selectedIndex].textContent;
          box.innerHTML = "";
          // The form goes, the answer takes its place and the focus (not the page's body).
          const note = posted.ok
            ? el("p", { class: "flash", role: "status", tabindex: "-1", "data-testid": "share-done" }, [
              t("share_done", { room: name }) + " ",
              el("a", { href: "/chat/" + roomId, text: t("open_chat") }),
            ])
            : el("p", { class: "flash flash-error", tabindex: "-1", text: errorText(posted) });
          box.appendChild(note);
          note.focus();
        }, () => { send.disabled = false; });
    } });
  return [
    el("label", null, [t("share_room"), select]), comment,
    el("div", { class: "actions" }, [send, el("button", { type: "button", class: "kern-btn kern-btn--secondary", "data-testid": "share-cancel", text: t("cancel"),
      onclick: () => { box.parentNode.removeChild(box); button.hidden = false; button.focus(); } })]),
  ];
}

/** The share box below the detail's actions, in place of the share button. */
export function openShare(listing, button) {
  button.disabled = true;
  api("GET", "/rooms?limit=500").then((answer) => {
    button.disabled = false;
    const rooms = answer.ok ? answer.data.items.slice() : [];
    rooms.sort((a, b) => (b.last_message_id || 0) - (a.last_message_id || 0));
    const box = el("div", { class: "sharebox", "data-testid": "share-box" });
    if (!rooms.length) {
      box.appendChild(el("p", { class: "muted small", text: t("share_no_rooms") }));
      box.appendChild(el("a", { href: "/chat", text: t("open_chat") }));
    } else {
      shareForm(listing, rooms, box, button).forEach((child) => { box.appendChild(child); });
    }
    button.hidden = true;
    button.parentNode.parentNode.insertBefore(box, button.parentNode.nextSibling);
    focusFirst(box, "select, a");
  }, () => { button.disabled = false; });
}
