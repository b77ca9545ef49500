/* The message pane's list: each message in id order, day separators, an author's messages
   grouped, attachments, listing cards and the read receipt under my latest message. */
import { el } from "../common/dom.js";
import { formatDateTime } from "../common/format.js";
import { t } from "../common/i18n.js";
import { config } from "../common/page.js";
import { ui } from "./elements.js";
import { avatarColour, fileIcon, formatDay, formatSize, formatTime, initials } from "./format.js";
import { listingCard } from "./listing_cards.js";
import { groupMessages, mentionsMe, receiptFor, textParts } from "./message_logic.js";
import { scrollToBottom } from "./scrolling.js";
import { state } from "./state.js";

export function placeMessages(messages) {
  if (messages.length && ui.olderNote.textContent === t("no_messages")) {
    ui.olderNote.textContent = t("start_of_room");
  }
  messages.forEach(placeMessage);
  regroup();
  renderReceipts();
}

/** Put a message where its id belongs (replacing an older rendering of it). */
function placeMessage(message) {
  const list = ui.messageList;
  const node = messageNode(message);
  const existing = list.querySelector('li.message[data-message-id="' + message.id + '"]');
  state.messages.set(message.id, message);
  if (existing) {
    list.replaceChild(node, existing);
    return;
  }
  if (state.newestId === null || message.id > state.newestId) {
    list.appendChild(node);
  } else {
    const after = Array.prototype.find.call(list.querySelectorAll("li.message"),
      (item) => Number(item.dataset.messageId) > message.id);
    list.insertBefore(node, after || null);
  }
  state.newestId = state.newestId === null ? message.id : Math.max(state.newestId, message.id);
  state.oldestId = state.oldestId === null ? message.id : Math.min(state.oldestId, message.id);
}

/** Day separators, and an author's messages within minutes of each other as one group. */
function regroup() {
  const list = ui.messageList;
  list.querySelectorAll("li.daysep").forEach((item) => { item.parentNode.removeChild(item); });
  const items = Array.prototype.filter.call(list.querySelectorAll("li.message"),
    (item) => state.messages.has(Number(item.dataset.messageId)));
  const groups = groupMessages(items.map((item) => state.messages.get(Number(item.dataset.messageId))));
  groups.forEach((group, index) => {
    const item = items[index];
    if (group.newDay) {
      list.insertBefore(el("li", { class: "daysep", "aria-hidden": "true" },
        el("span", { text: formatDay(group.message.created_at) })), item);
    }
    item.classList.toggle("continued", group.continued);
  });
}

/** The author's initials on their colour; the colour is set through the CSSOM, since a
    style attribute would need 'unsafe-inline' in the Content-Security-Policy. */
function avatar(person, name) {
  const node = el("span", { class: "avatar", "aria-hidden": "true", text: initials(name) });
  node.style.background = avatarColour(person && person.id);
  return node;
}

function messageNode(message) {
  const mine = message.author && message.author.id === config.user_id;
  const author = message.author ? message.author.name : t("former_member");
  const named = mentionsMe(message, config.user_id, config.user_name);
  return el("li", {
    class: "message" + (mine ? " mine" : "") + (named ? " mentions-me" : "")
      + (message.deleted_at ? " deleted" : ""),
    dataset: { messageId: message.id, authorId: message.author ? message.author.id : "" },
    "data-testid": "message",
  }, [
    avatar(message.author, author),
    el("div", { class: "message-main" }, [
      el("div", { class: "message-head" }, [
        el("strong", { class: "author", "data-testid": "message-author", text: author }),
        el("time", { datetime: message.created_at, title: formatDateTime(message.created_at),
          text: formatTime(message.created_at) }),
      ]),
      messageBody(message),
      message.edited_at && !message.deleted_at ? el("span", { class: "edited muted small", text: t("edited") }) : null,
      attachments(message.documents || []),
      message.listing_id ? listingCard(message) : null,
    ]),
    el("time", { class: "sidetime", datetime: message.created_at, text: formatTime(message.created_at) }),
  ]);
}

function messageBody(message) {
  if (message.deleted_at) return el("p", { class: "body muted", text: t("deleted") });
  if (!message.body) return null;
  return el("p", { class: "body", "data-testid": "message-body" }, richText(message.body));
}

/** Text with @mentions of members highlighted and web addresses as links; never HTML. */
function richText(text) {
  const names = [config.user_name];
  state.members.forEach((member) => { names.push(member.name); });
  return textParts(text, names, config.user_name).map((part) => {
    if (part.url) return el("a", { href: part.url, target: "_blank", rel: "noopener noreferrer", text: part.url });
    if (part.mention) return el("span", { class: "mention" + (part.me ? " me" : ""), text: part.mention });
    return part.text;
  });
}

function contentUrl(doc) { return config.api + "/documents/" + doc.id + "/content"; }

function attachments(documents) {
  if (!documents.length) return null;
  const images = documents.filter((doc) => doc.has_thumbnail);
  const files = documents.filter((doc) => !doc.has_thumbnail);
  return el("div", { class: "attachments-block" }, [
    images.length ? el("ul", { class: "thumbs" }, images.map((doc) =>
      el("li", null, el("a", { href: contentUrl(doc), download: doc.filename, title: doc.filename },
        el("img", {
          src: config.api + "/documents/" + doc.id + "/thumbnail", alt: doc.filename,
          "data-testid": "attachment-thumb", loading: "lazy",
          onload: () => { if (state.stickToBottom) scrollToBottom(); },
        }))))) : null,
    files.length ? el("ul", { class: "filelist" }, files.map((doc) =>
      el("li", null, el("a", { class: "file", href: contentUrl(doc), download: doc.filename,
        "data-testid": "attachment-file" }, [
        el("span", { class: "fileicon", "aria-hidden": "true", text: fileIcon(doc) }),
        el("span", { class: "filename", text: doc.filename }),
        el("span", { class: "muted small", text: formatSize(doc.size) }),
      ])))) : null,
  ]);
}

/** My latest message, with who has read it (from the members' watermarks). */
export function renderReceipts() {
  const list = ui.messageList;
  list.querySelectorAll(".receipt").forEach((node) => { node.parentNode.removeChild(node); });
  const mine = list.querySelectorAll("li.message.mine:not(.deleted)");
  if (!mine.length || !state.members.size) return;
  const item = mine[mine.length - 1];
  const receipt = receiptFor(Number(item.dataset.messageId), state.members, config.user_id);
  if (!receipt) return;
  item.querySelector(".message-main").appendChild(el("span", {
    class: "receipt" + (receipt.read ? " is-read" : ""), "data-testid": "receipt",
    title: receipt.readers.join(", "), text: receipt.text,
  }));
}
