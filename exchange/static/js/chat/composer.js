/* The composer: sending (over the socket with its acknowledgement, over the API when the
   socket is away), typing notices, the growing text box and its keys. */
import { api, newKey } from "../common/api.js";
import { t } from "../common/i18n.js";
import { ui } from "./elements.js";
import { answerMessage } from "./format.js";
import { closeMentions, mentionKey, updateMentions } from "./mentions.js";
import { onMessage } from "./live.js";
import { scrollToBottom } from "./scrolling.js";
import { SEND_TIMEOUT_MS, state, TYPING_SEND_EVERY_MS } from "./state.js";
import { addFiles, clearPending, uploading } from "./uploads.js";

const MAX_HEIGHT_PX = 200;

export function autoGrow() {
  if (ui.composer.hidden) return;
  ui.input.style.height = "auto";
  ui.input.style.height = Math.min(ui.input.scrollHeight, MAX_HEIGHT_PX) + "px";
}

function showComposerError(text) {
  ui.composerError.hidden = !text;
  ui.composerError.textContent = text || "";
}

export function updateSendButton() {
  ui.sendButton.disabled = state.sending || uploading();
}

function send() {
  if (state.sending || uploading() || !state.member) return;
  const body = ui.input.value.trim();
  const documentIds = state.pending.filter((item) => item.status === "done").map((item) => item.document.id);
  if (!body && !documentIds.length) { ui.input.focus(); return; }
  const roomId = state.roomId;
  // One key per draft: sending it again after a lost answer cannot store it twice.
  if (!state.sendKey) state.sendKey = newKey();
  const payload = { room_id: roomId, body, document_ids: documentIds, client_key: state.sendKey };
  state.sending = true;
  updateSendButton();
  showComposerError("");
  delivered(payload).then((message) => {
    state.sending = false;
    updateSendButton();
    state.sendKey = null;
    if (roomId === state.roomId) {
      ui.input.value = "";
      autoGrow();
      clearPending();
      onMessage(message);
      scrollToBottom();
    }
  }, (error) => {
    state.sending = false;
    updateSendButton();
    showComposerError(error);
  });
}

/** Through the socket with its acknowledgement; over the REST API when not connected.
    Rejects with the text to show. */
function delivered(payload) {
  return new Promise((resolve, reject) => {
    if (state.connected) {
      state.socket.timeout(SEND_TIMEOUT_MS).emit("send", payload, (timeout, ack) => {
        if (timeout) { reject(t("send_timeout")); return; }
        if (ack && ack.id) { resolve(ack); return; }
        if (ack && ack.code === 503) { reject(t("send_unavailable")); return; }
        reject(answerMessage({ status: 422, data: ack }) || (ack && ack.error) || t("error_generic"));
      });
      return;
    }
    const body = {
      body: payload.body, document_ids: payload.document_ids, client_key: payload.client_key,
    };
    api("POST", "/rooms/" + payload.room_id + "/messages", body).then((answer) => {
      if (answer.ok) resolve(answer.data);
      else if (answer.status === 503) reject(t("send_unavailable"));
      else reject(answerMessage(answer));
    }, () => { reject(t("send_offline")); });
  });
}

function sendTyping() {
  if (!state.connected || !state.roomId || !ui.input.value.trim()) return;
  const now = Date.now();
  if (now - state.lastTypingSent < TYPING_SEND_EVERY_MS) return;
  state.lastTypingSent = now;
  state.socket.emit("typing", { room_id: state.roomId });
}

export function setUpComposer() {
  const input = ui.input;
  input.addEventListener("keydown", (event) => {
    if (mentionKey(event)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  input.addEventListener("input", () => {
    if (!state.sending) state.sendKey = null;  // another text is another message
    autoGrow();
    updateMentions();
    sendTyping();
  });
  input.addEventListener("click", updateMentions);
  input.addEventListener("blur", () => { setTimeout(closeMentions, 150); });
  input.addEventListener("paste", (event) => {
    const files = event.clipboardData && event.clipboardData.files;
    if (files && files.length) {
      event.preventDefault();
      addFiles(files);
    }
  });
  ui.composer.addEventListener("submit", (event) => { event.preventDefault(); send(); });
}
