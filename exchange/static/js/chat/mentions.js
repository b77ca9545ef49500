/* The @ menu under the composer: members whose name starts with what follows "@", chosen
   with the arrow keys and Enter or Tab, or the mouse. */
import { el } from "../common/dom.js";
import { config } from "../common/page.js";
import { autoGrow } from "./composer.js";
import { ui } from "./elements.js";
import { insertMention, mentionCandidates, mentionQuery } from "./message_logic.js";
import { state } from "./state.js";

export function updateMentions() {
  const input = ui.input;
  const query = mentionQuery(input.value, input.selectionStart, input.selectionEnd);
  const items = query ? mentionCandidates(state.members, query.text, config.user_id) : [];
  if (!query || !items.length) { closeMentions(); return; }
  const previous = state.mention;
  state.mention = { start: query.start, end: input.selectionStart, items,
    index: previous ? Math.min(previous.index, items.length - 1) : 0 };
  renderMentions();
}

function renderMentions() {
  const mention = state.mention;
  ui.mentionMenu.innerHTML = "";
  mention.items.forEach((member, index) => {
    ui.mentionMenu.appendChild(el("li", {
      role: "option", "aria-selected": index === mention.index ? "true" : "false",
      class: index === mention.index ? "active" : null, "data-testid": "mention-option",
      onmousedown: (event) => { event.preventDefault(); chooseMention(index); },
    }, [
      el("span", { class: "presence-dot" + (member.online ? " online" : "") }),
      el("span", { text: member.name }),
    ]));
  });
  ui.mentionMenu.hidden = false;
}

export function closeMentions() {
  state.mention = null;
  ui.mentionMenu.hidden = true;
  ui.mentionMenu.innerHTML = "";
}

function chooseMention(index) {
  const mention = state.mention;
  if (!mention) return;
  const input = ui.input;
  const chosen = insertMention(input.value, mention.start, mention.end, mention.items[index].name);
  input.value = chosen.value;
  input.setSelectionRange(chosen.caret, chosen.caret);
  closeMentions();
  input.focus();
  autoGrow();
}

/** The composer's keys while the menu is open; true when the key was the menu's. */
export function mentionKey(event) {
  const mention = state.mention;
  if (!mention) return false;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    mention.index = (mention.index + step + mention.items.length) % mention.items.length;
    renderMentions();
    return true;
  }
  if (event.key === "Enter" || event.key === "Tab") {
    event.preventDefault();
    chooseMention(mention.index);
    return true;
  }
  if (event.key === "Escape") { event.preventDefault(); closeMentions(); return true; }
  return false;
}
