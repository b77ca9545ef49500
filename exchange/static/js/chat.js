/* The chat page: room list with unread badges, the message pane (latest messages, older ones
   when scrolled to the top), the composer with attachments and @mentions, typing and read
   state, listing cards with "request", a dialog for new rooms. Everything goes through the
   JSON API and the socket; after a reconnect the pane fetches what it missed (`after=`).
   Texts come from Exchange.t() (#page-strings), helpers from mapbase.js. */
(function () {
  "use strict";

  var X = window.Exchange;
  var t = X.t;
  var el = X.el;
  var config = X.config;

  var PAGE_SIZE = 50;
  var TYPING_SEND_EVERY_MS = 3000;
  var TYPING_SHOWN_MS = 5000;
  var GROUP_WITHIN_MS = 5 * 60 * 1000;
  var SEND_TIMEOUT_MS = 10000;
  var NEAR_BOTTOM_PX = 60;
  var NEAR_TOP_PX = 120;

  var roomList = document.getElementById("room-list");
  var roomsEmpty = document.getElementById("rooms-empty");
  var roomFilter = document.getElementById("room-filter");
  var networkSection = document.getElementById("network-section");
  var networkList = document.getElementById("network-list");
  var paneEmpty = document.getElementById("pane-empty");
  var paneHead = document.getElementById("pane-head");
  var roomTitle = document.getElementById("room-title");
  var roomSub = document.getElementById("room-sub");
  var roomListingLink = document.getElementById("room-listing");
  var joinButton = document.getElementById("join-room");
  var pane = document.getElementById("pane");
  var scroller = document.getElementById("messages");
  var olderNote = document.getElementById("older");
  var messageList = document.getElementById("message-list");
  var newBelow = document.getElementById("new-below");
  var typingLine = document.getElementById("typing");
  var composer = document.getElementById("composer");
  var input = document.getElementById("composer-input");
  var sendButton = document.getElementById("composer-send");
  var fileInput = document.getElementById("file-input");
  var pendingList = document.getElementById("pending-files");
  var composerError = document.getElementById("composer-error");
  var mentionMenu = document.getElementById("mention-menu");
  var dropzone = document.getElementById("dropzone");
  var liveState = document.getElementById("livestate");
  var toasts = document.getElementById("toasts");
  var navUnread = document.getElementById("nav-unread");

  var state = {
    rooms: new Map(),        // id → room (GET /rooms item), mine
    network: [],             // network rooms I may join
    roomId: null,            // the open room
    room: null,              // its GET /rooms/{id} answer
    member: false,           // whether I am a member of the open room (else: join first)
    messages: new Map(),     // id → message of the open room
    oldestId: null,
    newestId: null,
    hasOlder: false,
    loadingOlder: false,
    loaded: false,           // the open room's first page is in
    members: new Map(),      // user id → {user_id, name, online, last_read_message_id}
    typing: new Map(),       // user id → {name, timer}
    pending: [],             // uploads for the next message
    listings: new Map(),     // listing id → listing, null (not visible) or a promise
    socket: null,
    connected: false,
    connectedAt: 0,
    everConnected: false,
    lastTypingSent: 0,
    stickToBottom: true,
    sending: false,
    openSeq: 0,              // guards against answers for a room no longer open
    mention: null,           // {start, items, index} while the @ menu is open
  };

  // --- small helpers ------------------------------------------------------------------------

  function roomName(room) {
    if (!room) return "";
    if (room.kind === "direct") return room.peer ? room.peer.name : t("direct_room");
    return room.name || t("unnamed_room");
  }

  function dayKey(iso) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin" }).format(new Date(iso));
  }

  function formatTime(iso) {
    return new Intl.DateTimeFormat(X.locale, { timeStyle: "short", timeZone: "Europe/Berlin" })
      .format(new Date(iso));
  }

  function formatDay(iso) {
    var key = dayKey(iso);
    var today = dayKey(new Date().toISOString());
    var yesterday = dayKey(new Date(Date.now() - 86400000).toISOString());
    if (key === today) return t("today");
    if (key === yesterday) return t("yesterday");
    return new Intl.DateTimeFormat(X.locale, { dateStyle: "full", timeZone: "Europe/Berlin" })
      .format(new Date(iso));
  }

  /** Short relative time for the room list: a time today, else a date. */
  function formatWhen(iso) {
    if (!iso) return "";
    if (dayKey(iso) === dayKey(new Date().toISOString())) return formatTime(iso);
    return new Intl.DateTimeFormat(X.locale, { day: "numeric", month: "short", timeZone: "Europe/Berlin" })
      .format(new Date(iso));
  }

  function formatSize(bytes) {
    if (bytes >= 1024 * 1024) return t("size_mb", { n: X.formatNumber(bytes / 1024 / 1024, 1) });
    return t("size_kb", { n: X.formatNumber(Math.max(1, Math.round(bytes / 1024)), 0) });
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function answerMessage(answer) {
    var data = answer && answer.data;
    if (data && data.errors) {
      var fields = data.errors.json || data.errors;
      var first = Object.keys(fields)[0];
      if (first && fields[first] && fields[first][0]) return fields[first][0];
    }
    return X.errorText(answer || { status: 0 });
  }

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  }

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    state.stickToBottom = true;
    newBelow.hidden = true;
  }

  function toast(text, action) {
    var item = el("div", { class: "toast", role: "status", "data-testid": "toast" }, [
      el("span", { text: text }),
      action ? el("button", { type: "button", class: "link", text: action.label,
        onclick: function () { dismiss(); action.run(); } }) : null,
      el("button", { type: "button", class: "link close", "aria-label": t("close"), text: "×",
        onclick: function () { dismiss(); } }),
    ]);
    function dismiss() { if (item.parentNode) item.parentNode.removeChild(item); }
    toasts.appendChild(item);
    while (toasts.children.length > 3) toasts.removeChild(toasts.firstChild);
    setTimeout(dismiss, 12000);
  }

  function setLive(live) {
    liveState.dataset.live = live ? "true" : "false";
    liveState.textContent = live ? t("live_on") : t("live_off");
    liveState.title = live ? t("live_on_hint") : t("live_off_hint");
  }

  // --- rooms --------------------------------------------------------------------------------

  function loadRooms() {
    var mine = X.api("GET", "/rooms?limit=500").then(function (answer) {
      if (!answer.ok) return;
      var rooms = new Map();
      answer.data.items.forEach(function (room) { rooms.set(room.id, room); });
      // What the open pane knows best: it has read up to its newest message.
      var open = rooms.get(state.roomId);
      if (open && state.member && isReading()) open.unread = 0;
      state.rooms = rooms;
      renderRooms();
    });
    var network = !config.is_staff ? Promise.resolve() :
      X.api("GET", "/rooms?scope=network&limit=100").then(function (answer) {
        if (!answer.ok) return;
        state.network = answer.data.items;
        renderNetwork();
      });
    return Promise.all([mine, network]);
  }
  var loadRoomsSoon = X.debounce(loadRooms, 300);

  function sortedRooms() {
    return Array.from(state.rooms.values()).sort(function (a, b) {
      return (b.last_message_id || 0) - (a.last_message_id || 0) || b.id - a.id;
    });
  }

  // Constant markup only (never user text): small icons drawn in currentColor.
  var ICONS = {
    lock: '<svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true"><rect x="3" y="7" width="10" height="7.5" rx="1.5" fill="currentColor"/>'
      + '<path d="M5.2 7V5.2a2.8 2.8 0 0 1 5.6 0V7" fill="none" stroke="currentColor" stroke-width="1.6"/></svg>',
    home: '<svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true"><path d="M1.8 8.2 8 2.4l6.2 5.8h-1.7V14H9.6v-3.6H6.4V14H3.5V8.2z" fill="currentColor"/></svg>',
  };

  function roomIcon(room) {
    var icon = el("span", { class: "roomicon", "aria-hidden": "true" });
    if (room.kind === "direct") icon.textContent = "@";
    else if (room.listing_id) icon.innerHTML = ICONS.home;
    else if (room.visibility === "network") icon.textContent = "#";
    else icon.innerHTML = ICONS.lock;
    return icon;
  }

  function roomItem(room) {
    var unread = room.unread || 0;
    return el("li", { class: room.id === state.roomId ? "active" : null }, el("button", {
      type: "button",
      class: "roomitem" + (unread ? " has-unread" : "") + (room.muted ? " muted-room" : ""),
      dataset: { roomId: room.id },
      "data-testid": "room-item",
      title: room.topic || roomName(room),
      onclick: function () { openRoom(room.id, { push: true }); },
    }, [
      roomIcon(room),
      el("span", { class: "roomname", text: roomName(room) }),
      el("span", { class: "roomwhen", text: formatWhen(room.last_message_at) }),
      unread ? el("span", {
        class: "badge unread", "data-testid": "room-unread",
        "aria-label": X.tn("unread", unread), text: unread > 99 ? "99+" : String(unread),
      }) : null,
    ]));
  }

  function renderRooms() {
    var filter = roomFilter.value.trim().toLocaleLowerCase();
    var rooms = sortedRooms().filter(function (room) {
      return !filter || roomName(room).toLocaleLowerCase().indexOf(filter) >= 0;
    });
    roomList.innerHTML = "";
    rooms.forEach(function (room) { roomList.appendChild(roomItem(room)); });
    roomsEmpty.hidden = state.rooms.size > 0;
    updateTotal();
  }

  function renderNetwork() {
    var filter = roomFilter.value.trim().toLocaleLowerCase();
    var rooms = state.network.filter(function (room) {
      return !state.rooms.has(room.id)
        && (!filter || roomName(room).toLocaleLowerCase().indexOf(filter) >= 0);
    });
    networkList.innerHTML = "";
    rooms.forEach(function (room) {
      networkList.appendChild(el("li", null, el("div", { class: "roomitem joinable", dataset: { roomId: room.id } }, [
        el("span", { class: "roomicon", "aria-hidden": "true", text: "#" }),
        el("button", { type: "button", class: "link roomname", text: roomName(room), title: room.topic || "",
          onclick: function () { openRoom(room.id, { push: true }); } }),
        el("button", { type: "button", class: "secondary small", "data-testid": "network-join",
          text: t("join"), onclick: function () { joinRoom(room.id); } }),
      ])));
    });
    networkSection.hidden = rooms.length === 0;
  }

  function updateTotal() {
    var total = 0;
    state.rooms.forEach(function (room) { if (!room.muted) total += room.unread || 0; });
    if (navUnread) {
      navUnread.hidden = total === 0;
      navUnread.textContent = total > 99 ? "99+" : String(total);
      navUnread.dataset.count = String(total);
    }
    document.title = (total ? "(" + (total > 99 ? "99+" : total) + ") " : "")
      + document.title.replace(/^\(\S+\) /, "");
  }

  function joinRoom(id) {
    X.api("POST", "/rooms/" + id + "/join", {}).then(function (answer) {
      if (!answer.ok) { toast(answerMessage(answer)); return; }
      state.rooms.set(answer.data.id, answer.data);
      state.network = state.network.filter(function (room) { return room.id !== id; });
      renderRooms();
      renderNetwork();
      openRoom(id, { push: state.roomId !== id });
    }, function () { toast(t("error_generic")); });
  }

  // --- opening a room -----------------------------------------------------------------------

  function roomPath(id) { return id ? config.room_url.replace(/0$/, String(id)) : config.chat_url; }

  function resetPane() {
    state.messages = new Map();
    state.oldestId = state.newestId = null;
    state.hasOlder = false;
    state.loadingOlder = false;
    state.loaded = false;
    state.members = new Map();
    state.typing.forEach(function (entry) { clearTimeout(entry.timer); });
    state.typing = new Map();
    messageList.innerHTML = "";
    olderNote.hidden = true;
    newBelow.hidden = true;
    typingLine.textContent = "";
    closeMentions();
  }

  function openRoom(id, options) {
    options = options || {};
    if (options.push && state.roomId !== id) {
      window.history.pushState({ roomId: id }, "", roomPath(id));
    }
    var seq = ++state.openSeq;
    state.roomId = id;
    state.room = null;
    state.member = false;
    resetPane();
    renderRooms();
    paneEmpty.hidden = true;
    paneHead.hidden = false;
    roomTitle.textContent = (state.rooms.get(id) && roomName(state.rooms.get(id))) || "…";
    roomSub.textContent = "";
    joinButton.hidden = true;
    roomListingLink.hidden = true;
    scroller.hidden = false;
    composer.hidden = true;
    return X.api("GET", "/rooms/" + id).then(function (answer) {
      if (seq !== state.openSeq) return null;
      if (!answer.ok) {
        roomTitle.textContent = "";
        scroller.hidden = true;
        paneEmpty.hidden = false;
        paneEmpty.innerHTML = "";
        paneEmpty.appendChild(el("p", { class: "flash flash-error", "data-testid": "room-error-note",
          text: answer.status === 404 ? t("room_not_found") : X.errorText(answer) }));
        return null;
      }
      state.room = answer.data;
      state.member = answer.data.role !== null && answer.data.role !== undefined;
      if (state.member && !state.rooms.has(id)) {
        state.rooms.set(id, answer.data);
        renderRooms();
      }
      renderHead();
      if (!state.member) {
        joinButton.hidden = false;
        scroller.hidden = true;
        paneEmpty.hidden = false;
        paneEmpty.innerHTML = "";
        paneEmpty.appendChild(el("p", { text: t("join_to_read") }));
        return null;
      }
      composer.hidden = false;
      autoGrow();
      var askedAt = Date.now();
      return Promise.all([
        X.api("GET", "/rooms/" + id + "/messages?limit=" + PAGE_SIZE),
        loadMembers(id),
      ]).then(function (answers) {
        if (seq !== state.openSeq) return;
        var page = answers[0];
        if (!page.ok) { showPaneError(page); return; }
        state.hasOlder = page.data.items.length >= PAGE_SIZE;
        olderNote.hidden = state.hasOlder;
        olderNote.textContent = page.data.items.length ? t("start_of_room") : t("no_messages");
        placeMessages(page.data.items);
        state.loaded = true;
        scrollToBottom();
        renderHead();
        markRead();
        // The socket came (back) while the page was on its way: fetch what it may have missed.
        if (state.connectedAt >= askedAt) catchUp();
        if (!options.keepFocus) input.focus();
      });
    }, function () { if (seq === state.openSeq) showPaneError({ status: 0 }); });
  }

  function showPaneError(answer) {
    messageList.innerHTML = "";
    messageList.appendChild(el("li", { class: "flash flash-error", text: X.errorText(answer) }));
  }

  function loadMembers(id) {
    return X.api("GET", "/rooms/" + id + "/members").then(function (answer) {
      if (!answer.ok || id !== state.roomId) return;
      state.members = new Map();
      answer.data.forEach(function (member) { state.members.set(member.user_id, member); });
      renderHead();
      renderReceipts();
      // Someone quick may have typed "@" before the members were known.
      if (document.activeElement === input) updateMentions();
    });
  }

  function renderHead() {
    var room = state.room || state.rooms.get(state.roomId);
    if (!room) return;
    roomTitle.textContent = roomName(room);
    var parts = [];
    if (room.kind === "direct") {
      var peer = room.peer && state.members.get(room.peer.id);
      if (peer) parts.push(peer.online ? t("online") : t("offline"));
    } else if (state.members.size) {
      var online = 0;
      state.members.forEach(function (member) { if (member.online) online += 1; });
      parts.push(X.tn("members", state.members.size));
      if (online) parts.push(t("online_n", { n: X.formatNumber(online, 0) }));
      parts.push(room.visibility === "network" ? t("visibility_network") : t("visibility_private"));
    }
    if (room.topic) parts.push(room.topic);
    roomSub.textContent = parts.join(" · ");
    roomSub.classList.toggle("is-online", room.kind === "direct" && parts[0] === t("online"));
    if (room.listing_id) {
      roomListingLink.hidden = false;
      roomListingLink.href = listingUrl(room.listing_id);
    }
  }

  // --- messages -----------------------------------------------------------------------------

  function placeMessages(messages) {
    if (messages.length && olderNote.textContent === t("no_messages")) {
      olderNote.textContent = t("start_of_room");
    }
    messages.forEach(placeMessage);
    regroup();
    renderReceipts();
  }

  /** Put a message where its id belongs (replacing an older rendering of it). */
  function placeMessage(message) {
    var node = messageNode(message);
    var existing = messageList.querySelector('li.message[data-message-id="' + message.id + '"]');
    state.messages.set(message.id, message);
    if (existing) {
      messageList.replaceChild(node, existing);
      return;
    }
    if (state.newestId === null || message.id > state.newestId) {
      messageList.appendChild(node);
    } else {
      var after = Array.prototype.find.call(messageList.querySelectorAll("li.message"), function (item) {
        return Number(item.dataset.messageId) > message.id;
      });
      messageList.insertBefore(node, after || null);
    }
    state.newestId = state.newestId === null ? message.id : Math.max(state.newestId, message.id);
    state.oldestId = state.oldestId === null ? message.id : Math.min(state.oldestId, message.id);
  }

  /** Day separators, and an author's messages within minutes of each other as one group. */
  function regroup() {
    Array.prototype.slice.call(messageList.querySelectorAll("li.daysep")).forEach(function (item) {
      item.parentNode.removeChild(item);
    });
    var previous = null;
    Array.prototype.forEach.call(messageList.querySelectorAll("li.message"), function (item) {
      var message = state.messages.get(Number(item.dataset.messageId));
      if (!message) return;
      var day = dayKey(message.created_at);
      if (!previous || dayKey(previous.created_at) !== day) {
        messageList.insertBefore(el("li", { class: "daysep", "aria-hidden": "true" },
          el("span", { text: formatDay(message.created_at) })), item);
      }
      var continued = previous && dayKey(previous.created_at) === day
        && previous.author && message.author && previous.author.id === message.author.id
        && new Date(message.created_at) - new Date(previous.created_at) < GROUP_WITHIN_MS
        && !message.listing_id && !previous.deleted_at && !message.deleted_at;
      item.classList.toggle("continued", Boolean(continued));
      previous = message;
    });
  }

  function initials(name) {
    return (name || "?").split(/\s+/).filter(Boolean).slice(0, 2).map(function (part) {
      return part.charAt(0).toUpperCase();
    }).join("");
  }

  function avatarColour(id) {
    var hues = [205, 150, 28, 280, 0, 185, 95, 330];
    return "hsl(" + hues[(id || 0) % hues.length] + ", 45%, 42%)";
  }

  /** The author's initials on their colour; the colour is set through the CSSOM, since a
      style attribute would need 'unsafe-inline' in the Content-Security-Policy. */
  function avatar(person, name) {
    var node = el("span", { class: "avatar", "aria-hidden": "true", text: initials(name) });
    node.style.background = avatarColour(person && person.id);
    return node;
  }

  function messageNode(message) {
    var mine = message.author && message.author.id === config.user_id;
    var author = message.author ? message.author.name : t("former_member");
    var mentionsMe = !mine && mentionRegex([config.user_name]).test(message.body || "");
    var item = el("li", {
      class: "message" + (mine ? " mine" : "") + (mentionsMe ? " mentions-me" : "")
        + (message.deleted_at ? " deleted" : ""),
      dataset: { messageId: message.id, authorId: message.author ? message.author.id : "" },
      "data-testid": "message",
    }, [
      avatar(message.author, author),
      el("div", { class: "message-main" }, [
        el("div", { class: "message-head" }, [
          el("strong", { class: "author", "data-testid": "message-author", text: author }),
          el("time", { datetime: message.created_at, title: X.formatDateTime(message.created_at),
            text: formatTime(message.created_at) }),
        ]),
        messageBody(message),
        message.edited_at && !message.deleted_at ? el("span", { class: "edited muted small", text: t("edited") }) : null,
        attachments(message.documents || []),
        message.listing_id ? listingCard(message) : null,
      ]),
      el("time", { class: "sidetime", datetime: message.created_at, text: formatTime(message.created_at) }),
    ]);
    return item;
  }

  function messageBody(message) {
    if (message.deleted_at) return el("p", { class: "body muted", text: t("deleted") });
    if (!message.body) return null;
    return el("p", { class: "body", "data-testid": "message-body" }, richText(message.body));
  }

  function escapeRegex(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function mentionRegex(names) {
    var sorted = names.filter(Boolean).slice().sort(function (a, b) { return b.length - a.length; });
    if (!sorted.length) return /$^/;
    return new RegExp("@(" + sorted.map(escapeRegex).join("|") + ")(?![\\p{L}\\p{N}_])", "giu");
  }

  /** Text with @mentions of members highlighted and web addresses as links; never HTML. */
  function richText(text) {
    var names = [config.user_name];
    state.members.forEach(function (member) { names.push(member.name); });
    var mention = mentionRegex(names);
    var pattern = new RegExp("(https?://[^\\s<>\"]+[^\\s<>\".,;:!?)\\]])|" + mention.source, "giu");
    var nodes = [];
    var last = 0;
    text.replace(pattern, function (whole, url, name, offset) {
      if (offset > last) nodes.push(text.slice(last, offset));
      if (url) {
        nodes.push(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url }));
      } else {
        var me = name.toLocaleLowerCase() === config.user_name.toLocaleLowerCase();
        nodes.push(el("span", { class: "mention" + (me ? " me" : ""), text: whole }));
      }
      last = offset + whole.length;
      return whole;
    });
    if (last < text.length) nodes.push(text.slice(last));
    return nodes;
  }

  function contentUrl(doc) { return config.api + "/documents/" + doc.id + "/content"; }

  function attachments(documents) {
    if (!documents.length) return null;
    var images = documents.filter(function (doc) { return doc.has_thumbnail; });
    var files = documents.filter(function (doc) { return !doc.has_thumbnail; });
    return el("div", { class: "attachments-block" }, [
      images.length ? el("ul", { class: "thumbs" }, images.map(function (doc) {
        return el("li", null, el("a", { href: contentUrl(doc), download: doc.filename, title: doc.filename },
          el("img", {
            src: config.api + "/documents/" + doc.id + "/thumbnail", alt: doc.filename,
            "data-testid": "attachment-thumb", loading: "lazy",
            onload: function () { if (state.stickToBottom) scrollToBottom(); },
          })));
      })) : null,
      files.length ? el("ul", { class: "filelist" }, files.map(function (doc) {
        return el("li", null, el("a", { class: "file", href: contentUrl(doc), download: doc.filename,
          "data-testid": "attachment-file" }, [
          el("span", { class: "fileicon", "aria-hidden": "true", text: fileIcon(doc) }),
          el("span", { class: "filename", text: doc.filename }),
          el("span", { class: "muted small", text: formatSize(doc.size) }),
        ]));
      })) : null,
    ]);
  }

  function fileIcon(doc) {
    var type = doc.content_type || "";
    if (type === "application/pdf") return "PDF";
    if (type.indexOf("spreadsheet") >= 0 || type === "text/csv") return "XLS";
    if (type.indexOf("word") >= 0 || type.indexOf("opendocument.text") >= 0) return "DOC";
    if (type.indexOf("image/") === 0) return "IMG";
    return "TXT";
  }

  /** My latest message, with who has read it (from the members' watermarks). */
  function renderReceipts() {
    Array.prototype.slice.call(messageList.querySelectorAll(".receipt")).forEach(function (node) {
      node.parentNode.removeChild(node);
    });
    var mine = messageList.querySelectorAll("li.message.mine:not(.deleted)");
    if (!mine.length || !state.members.size) return;
    var item = mine[mine.length - 1];
    var id = Number(item.dataset.messageId);
    var others = [];
    var readers = [];
    state.members.forEach(function (member) {
      if (member.user_id === config.user_id) return;
      others.push(member);
      if ((member.last_read_message_id || 0) >= id) readers.push(member.name);
    });
    if (!others.length) return;
    var text;
    if (!readers.length) text = t("sent");
    else if (others.length === 1) text = t("read");
    else if (readers.length === others.length) text = t("read_by_all");
    else text = t("read_by", { n: X.formatNumber(readers.length, 0), total: X.formatNumber(others.length, 0) });
    item.querySelector(".message-main").appendChild(el("span", {
      class: "receipt" + (readers.length ? " is-read" : ""), "data-testid": "receipt",
      title: readers.join(", "), text: text,
    }));
  }

  // --- older messages, catching up, read state ---------------------------------------------

  function loadOlder() {
    if (!state.hasOlder || state.loadingOlder || state.oldestId === null || !state.member) return;
    state.loadingOlder = true;
    olderNote.hidden = false;
    olderNote.textContent = t("loading_older");
    var id = state.roomId;
    X.api("GET", "/rooms/" + id + "/messages" + X.query({ before: state.oldestId, limit: PAGE_SIZE }))
      .then(function (answer) {
        state.loadingOlder = false;
        if (id !== state.roomId) return;
        if (!answer.ok) { olderNote.textContent = X.errorText(answer); return; }
        var before = scroller.scrollHeight;
        var top = scroller.scrollTop;
        placeMessages(answer.data.items);
        state.hasOlder = answer.data.items.length >= PAGE_SIZE;
        olderNote.hidden = state.hasOlder;
        olderNote.textContent = state.hasOlder ? "" : t("start_of_room");
        // Keep what the reader looked at where it was.
        scroller.scrollTop = top + (scroller.scrollHeight - before);
      }, function () { state.loadingOlder = false; olderNote.textContent = t("error_generic"); });
  }

  /** On (re)connect: everything after the newest message we have, page by page, so that
      nothing sent while the socket was away (or not yet in its rooms) is missing. */
  function catchUp() {
    if (state.everConnected) loadRooms();
    // Before the pane's first page is in, that page is what the room has.
    if (!state.roomId || !state.member || !state.loaded) return;
    var id = state.roomId;
    var wasAtBottom = atBottom();
    function page(cursor) {
      var params = cursor ? { cursor: cursor, limit: 200 } : { after: state.newestId || 0, limit: 200 };
      return X.api("GET", "/rooms/" + id + "/messages" + X.query(params)).then(function (answer) {
        if (!answer.ok || id !== state.roomId) return null;
        placeMessages(answer.data.items);
        return answer.data.next_cursor ? page(answer.data.next_cursor) : null;
      });
    }
    page(null).then(function () {
      if (id !== state.roomId) return;
      if (wasAtBottom) scrollToBottom();
      loadMembers(id);
      markRead();
    });
  }

  function isReading() {
    return state.member && document.visibilityState === "visible" && atBottom();
  }

  /** The pane shows the newest message: everything up to it is read. */
  function markRead() {
    var room = state.rooms.get(state.roomId);
    if (!room || !state.member || state.newestId === null || !isReading()) return;
    newBelow.hidden = true;
    var changed = room.unread !== 0;
    room.unread = 0;
    if (changed) renderRooms();
    if ((room.last_read_message_id || 0) >= state.newestId) return;
    room.last_read_message_id = state.newestId;
    var body = { room_id: room.id, message_id: state.newestId };
    if (state.connected) {
      state.socket.emit("read", body);
    } else {
      X.api("POST", "/rooms/" + room.id + "/read", { message_id: state.newestId });
    }
  }

  // --- live events --------------------------------------------------------------------------

  function onMessage(message) {
    var room = state.rooms.get(message.room_id);
    var mine = message.author && message.author.id === config.user_id;
    if (!room) { loadRoomsSoon(); return; }
    var fresh = !room.last_message_id || message.id > room.last_message_id;
    if (fresh) {
      room.last_message_id = message.id;
      room.last_message_at = message.created_at;
    }
    if (message.author) stopTyping(message.author.id);
    if (message.room_id === state.roomId && state.member) {
      var known = state.messages.has(message.id);
      var follow = state.stickToBottom || mine;
      placeMessages([message]);
      if (follow) scrollToBottom();
      if (!known && !mine && !isReading()) {
        room.unread = (room.unread || 0) + 1;
        newBelow.hidden = false;
      }
      markRead();
    } else if (fresh && !mine) {
      room.unread = (room.unread || 0) + 1;
    }
    renderRooms();
  }

  function onMessageUpdated(message) {
    if (message.room_id === state.roomId && state.messages.has(message.id)) {
      placeMessages([message]);
    }
  }

  function onRead(event) {
    if (event.user_id === config.user_id) {
      // Read in another tab or window of mine.
      var room = state.rooms.get(event.room_id);
      if (!room) return;
      room.last_read_message_id = Math.max(room.last_read_message_id || 0, event.message_id);
      if (event.message_id >= (room.last_message_id || 0)) room.unread = 0;
      else loadRoomsSoon();
      renderRooms();
      return;
    }
    if (event.room_id !== state.roomId) return;
    var member = state.members.get(event.user_id);
    if (member) {
      member.last_read_message_id = Math.max(member.last_read_message_id || 0, event.message_id);
      renderReceipts();
    }
  }

  function onTyping(event) {
    if (event.room_id !== state.roomId || !event.user || event.user.id === config.user_id) return;
    var entry = state.typing.get(event.user.id);
    if (entry) clearTimeout(entry.timer);
    state.typing.set(event.user.id, {
      name: event.user.name,
      timer: setTimeout(function () { stopTyping(event.user.id); }, TYPING_SHOWN_MS),
    });
    renderTyping();
  }

  function stopTyping(userId) {
    var entry = state.typing.get(userId);
    if (!entry) return;
    clearTimeout(entry.timer);
    state.typing.delete(userId);
    renderTyping();
  }

  function renderTyping() {
    var names = Array.from(state.typing.values()).map(function (entry) { return entry.name; });
    if (!names.length) typingLine.textContent = "";
    else if (names.length === 1) typingLine.textContent = t("typing_one", { name: names[0] });
    else if (names.length === 2) typingLine.textContent = t("typing_two", { first: names[0], second: names[1] });
    else typingLine.textContent = t("typing_many", { n: X.formatNumber(names.length, 0) });
  }

  function onPresence(event) {
    var member = state.members.get(event.user_id);
    if (member) {
      member.online = event.online;
      renderHead();
    }
  }

  function onRoomEvent(event) {
    if (event.event !== "member_added") return;
    if (event.user_id === config.user_id) loadRoomsSoon();
    if (event.room_id === state.roomId) loadMembers(state.roomId);
  }

  function onNotification(note) {
    var payload = note.payload || {};
    if (note.kind === "chat_mention") {
      var here = payload.room_id === state.roomId && isReading();
      if (!here) {
        toast(t("mentioned", { name: (payload.author || {}).name || "", room: payload.room_name || "" }),
          { label: t("show"), run: function () { openRoom(payload.room_id, { push: true }); } });
      }
      markNotificationRead(note.id);
    } else if (note.kind === "chat_reply") {
      // A reply in the room one is reading is seen already; elsewhere the bell tells.
      if (payload.room_id === state.roomId && isReading()) markNotificationRead(note.id);
    } else if (note.kind === "listing_requested") {
      toast(t("requested_toast", { name: (payload.by || {}).name || "", title: payload.title || "" }),
        { label: t("show"), run: function () { openRoom(payload.room_id, { push: true }); } });
    }
  }

  function markNotificationRead(id) {
    if (id) X.api("POST", "/notifications/" + id + "/read", {});
  }

  function onListing(event) {
    if (!event || !event.listing || !state.listings.has(event.listing.id)) return;
    var known = state.listings.get(event.listing.id);
    var merged = Object.assign({}, known && typeof known.then !== "function" ? known : {}, event.listing);
    state.listings.set(event.listing.id, merged);
    refreshCards(event.listing.id);
  }

  function connectSocket() {
    if (typeof window.io !== "function") { setLive(false); return; }
    setLive(false);
    var socket = window.io({ withCredentials: true });
    state.socket = socket;
    X.chatSocket = socket; // for the console and the browser tests (drop and come back)
    socket.on("connect", function () {
      state.connected = true;
      state.connectedAt = Date.now();
      setLive(true);
      catchUp();
      state.everConnected = true;
    });
    socket.on("disconnect", function () { state.connected = false; setLive(false); });
    socket.on("connect_error", function () { state.connected = false; setLive(false); });
    socket.on("message", onMessage);
    socket.on("message_updated", onMessageUpdated);
    socket.on("read", onRead);
    socket.on("typing", onTyping);
    socket.on("presence", onPresence);
    socket.on("room", onRoomEvent);
    socket.on("notification", onNotification);
    socket.on("listing", onListing);
    socket.on("session_ended", function () { window.location.reload(); });
  }

  // --- listing cards ------------------------------------------------------------------------

  function listingUrl(id) { return config.listing_url.replace(/\/0$/, "/" + id); }

  function fetchListing(id) {
    var known = state.listings.get(id);
    if (known !== undefined) return Promise.resolve(known);
    var pending = X.api("GET", "/listings/" + id).then(function (answer) {
      var listing = answer.ok ? answer.data : null;
      state.listings.set(id, listing);
      return listing;
    }, function () { state.listings.delete(id); return null; });
    state.listings.set(id, pending);
    return pending;
  }

  function listingCard(message) {
    var card = el("div", { class: "listingcard loading", "data-testid": "listing-card",
      dataset: { listingId: message.listing_id, messageId: message.id } },
      el("span", { class: "muted small", text: t("loading") }));
    fetchListing(message.listing_id).then(function (listing) { fillCard(card, listing, message); });
    return card;
  }

  function refreshCards(listingId) {
    var listing = state.listings.get(listingId);
    Array.prototype.forEach.call(
      messageList.querySelectorAll('.listingcard[data-listing-id="' + listingId + '"]'),
      function (card) {
        var message = state.messages.get(Number(card.dataset.messageId));
        if (message) fillCard(card, listing, message);
      });
  }

  function ownSide(listing) {
    return listing.owner_id === config.user_id
      || config.member_organization_ids.indexOf(listing.organization_id) >= 0;
  }

  function cardFacts(listing) {
    var parts = [];
    if (listing.kind === "beds") {
      if (listing.free_beds !== null && listing.free_beds !== undefined) parts.push(X.tn("free_beds", listing.free_beds));
      if (listing.accessible_beds) parts.push(t("accessible_beds_short", { n: listing.accessible_beds }));
    } else {
      if (listing.rooms) parts.push(X.tn("rooms_short", listing.rooms));
      if (listing.max_occupants) parts.push(X.tn("occupants_short", listing.max_occupants));
      var cold = X.toNumber(listing.rent_cold);
      if (cold !== null) parts.push(t("rent_total_short", { amount: X.formatMoney(cold + (X.toNumber(listing.utilities) || 0)) }));
    }
    return parts.join(" · ");
  }

  function fillCard(card, listing, message) {
    card.innerHTML = "";
    card.classList.remove("loading");
    if (!listing || typeof listing.then === "function") {
      card.classList.add("gone");
      card.appendChild(el("span", { class: "muted", text: t("listing_gone") }));
      return;
    }
    card.dataset.kind = listing.kind;
    card.classList.toggle("gone", ["published", "reserved"].indexOf(listing.status) < 0 && !ownSide(listing));
    var address = listing.address || {};
    var place = [address.postal_code, address.city].filter(Boolean).join(" ");
    var actions = [];
    if (config.is_official && listing.status === "published" && !ownSide(listing)) {
      actions.push(el("button", { type: "button", class: "primary", "data-testid": "listing-request",
        text: t("request"), title: t("request_hint"),
        onclick: function (event) { requestListing(listing, message, event.currentTarget); } }));
    }
    actions.push(el("a", { class: "button secondary", href: listingUrl(listing.id), text: t("show_on_map") }));
    [
      el("div", { class: "result-badges" }, [
        el("span", { class: "kind kind-" + listing.kind, text: t("kind_" + listing.kind) }),
        el("span", { class: "status status-" + listing.status, "data-testid": "listing-card-status",
          text: t("status_" + listing.status) }),
      ]),
      el("a", { class: "cardtitle", href: listingUrl(listing.id), "data-testid": "listing-card-title", text: listing.title }),
      el("span", { class: "cardfacts", text: cardFacts(listing) }),
      place ? el("span", { class: "cardplace muted", text: place }) : null,
      el("div", { class: "cardactions" }, actions),
    ].forEach(function (child) { if (child) card.appendChild(child); });
  }

  function requestListing(listing, message, button) {
    if (!window.confirm(t("request_question", { title: listing.title }))) return;
    button.disabled = true;
    X.api("POST", "/listings/" + listing.id + "/request", {
      body: t("request_body", { title: listing.title }),
      message_id: message.id,
    }).then(function (answer) {
      button.disabled = false;
      if (answer.status === 409) {
        toast(t("request_conflict"));
        state.listings.delete(listing.id);
        fetchListing(listing.id).then(function () { refreshCards(listing.id); });
        return;
      }
      if (!answer.ok) { toast(answerMessage(answer)); return; }
      state.listings.set(listing.id, Object.assign({}, listing, { status: answer.data.listing.status }));
      refreshCards(listing.id);
      var room = answer.data.room;
      state.rooms.set(room.id, room);
      renderRooms();
      toast(t("request_done", { title: listing.title }));
      openRoom(room.id, { push: true });
    }, function () { button.disabled = false; toast(t("error_generic")); });
  }

  // --- composer: sending, typing ------------------------------------------------------------

  function autoGrow() {
    if (composer.hidden) return;
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 200) + "px";
  }

  function showComposerError(text) {
    composerError.hidden = !text;
    composerError.textContent = text || "";
  }

  function uploading() {
    return state.pending.some(function (item) { return item.status === "uploading"; });
  }

  function updateSendButton() {
    sendButton.disabled = state.sending || uploading();
  }

  function send() {
    if (state.sending || uploading() || !state.member) return;
    var body = input.value.trim();
    var documentIds = state.pending.filter(function (item) { return item.status === "done"; })
      .map(function (item) { return item.document.id; });
    if (!body && !documentIds.length) { input.focus(); return; }
    var roomId = state.roomId;
    var payload = { room_id: roomId, body: body, document_ids: documentIds };
    state.sending = true;
    updateSendButton();
    showComposerError("");
    delivered(payload).then(function (message) {
      state.sending = false;
      updateSendButton();
      if (roomId === state.roomId) {
        input.value = "";
        autoGrow();
        clearPending();
        onMessage(message);
        scrollToBottom();
      }
    }, function (error) {
      state.sending = false;
      updateSendButton();
      showComposerError(error);
    });
  }

  /** Through the socket with its acknowledgement; over the REST API when not connected. */
  function delivered(payload) {
    return new Promise(function (resolve, reject) {
      if (state.connected) {
        state.socket.timeout(SEND_TIMEOUT_MS).emit("send", payload, function (timeout, ack) {
          if (timeout) { reject(t("send_timeout")); return; }
          if (ack && ack.id) { resolve(ack); return; }
          reject(answerMessage({ status: 422, data: ack }) || (ack && ack.error) || t("error_generic"));
        });
        return;
      }
      var body = { body: payload.body, document_ids: payload.document_ids };
      X.api("POST", "/rooms/" + payload.room_id + "/messages", body).then(function (answer) {
        if (answer.ok) resolve(answer.data);
        else reject(answerMessage(answer));
      }, function () { reject(t("send_offline")); });
    });
  }

  function sendTyping() {
    if (!state.connected || !state.roomId || !input.value.trim()) return;
    var now = Date.now();
    if (now - state.lastTypingSent < TYPING_SEND_EVERY_MS) return;
    state.lastTypingSent = now;
    state.socket.emit("typing", { room_id: state.roomId });
  }

  // --- attachments --------------------------------------------------------------------------

  function addFiles(files) {
    if (!state.member) return;
    Array.prototype.forEach.call(files, function (file) {
      var item = { file: file, status: "uploading", document: null, error: "",
        preview: file.type.indexOf("image/") === 0 ? URL.createObjectURL(file) : null };
      state.pending.push(item);
      if (file.size > config.max_upload_bytes) {
        item.status = "error";
        item.error = t("upload_too_large", { name: file.name, max: formatSize(config.max_upload_bytes) });
      } else {
        upload(item);
      }
    });
    renderPending();
  }

  function upload(item) {
    var data = new FormData();
    data.append("file", item.file, item.file.name);
    fetch(config.api + "/documents", {
      method: "POST", credentials: "same-origin", body: data,
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.status === 201) {
          item.status = "done";
          item.document = body;
        } else {
          item.status = "error";
          item.error = response.status === 413 ? t("upload_too_large", { name: item.file.name, max: formatSize(config.max_upload_bytes) })
            : response.status === 415 ? t("upload_wrong_type", { name: item.file.name })
              : t("upload_error", { name: item.file.name });
        }
      });
    }, function () {
      item.status = "error";
      item.error = t("upload_error", { name: item.file.name });
    }).then(function () {
      if (state.pending.indexOf(item) >= 0) renderPending();
    });
  }

  function removePending(item) {
    if (item.preview) URL.revokeObjectURL(item.preview);
    state.pending = state.pending.filter(function (other) { return other !== item; });
    renderPending();
  }

  function clearPending() {
    state.pending.forEach(function (item) { if (item.preview) URL.revokeObjectURL(item.preview); });
    state.pending = [];
    renderPending();
  }

  function renderPending() {
    pendingList.innerHTML = "";
    state.pending.forEach(function (item) {
      pendingList.appendChild(el("li", { class: "pending " + item.status, "data-testid": "pending-file",
        dataset: { status: item.status } }, [
        item.preview ? el("img", { src: item.preview, alt: "" }) : el("span", { class: "fileicon", text: "…" }),
        el("span", { class: "filename", text: item.file.name }),
        el("span", { class: "muted small", text: item.status === "uploading" ? t("uploading_short")
          : item.status === "error" ? item.error : formatSize(item.file.size) }),
        el("button", { type: "button", class: "link close", "aria-label": t("remove"), title: t("remove"),
          text: "×", onclick: function () { removePending(item); } }),
      ]));
    });
    pendingList.hidden = state.pending.length === 0;
    updateSendButton();
  }

  function hasFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return Boolean(types) && Array.prototype.indexOf.call(types, "Files") >= 0;
  }

  var dragDepth = 0;
  pane.addEventListener("dragenter", function (event) {
    if (!hasFiles(event) || !state.member) return;
    event.preventDefault();
    dragDepth += 1;
    dropzone.hidden = false;
  });
  pane.addEventListener("dragover", function (event) {
    if (!hasFiles(event) || !state.member) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  pane.addEventListener("dragleave", function (event) {
    if (!hasFiles(event)) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) dropzone.hidden = true;
  });
  pane.addEventListener("drop", function (event) {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dragDepth = 0;
    dropzone.hidden = true;
    addFiles(event.dataTransfer.files);
    input.focus();
  });

  // --- @mentions ----------------------------------------------------------------------------

  /** The "@name" being typed just before the caret, if any. */
  function mentionQuery() {
    var caret = input.selectionStart;
    if (caret !== input.selectionEnd) return null;
    var before = input.value.slice(0, caret);
    var match = /(^|\s)@([^@\n]{0,40})$/.exec(before);
    if (!match) return null;
    return { start: caret - match[2].length - 1, text: match[2] };
  }

  function mentionCandidates(text) {
    var query = text.toLocaleLowerCase();
    var found = [];
    state.members.forEach(function (member) {
      if (member.user_id === config.user_id) return;
      var name = member.name.toLocaleLowerCase();
      var hit = name.indexOf(query) === 0 || name.split(/\s+/).some(function (word) { return word.indexOf(query) === 0; });
      if (hit) found.push(member);
    });
    return found.sort(function (a, b) { return a.name.localeCompare(b.name); }).slice(0, 8);
  }

  function updateMentions() {
    var query = mentionQuery();
    var items = query ? mentionCandidates(query.text) : [];
    if (!query || !items.length) { closeMentions(); return; }
    var previous = state.mention;
    state.mention = { start: query.start, end: input.selectionStart, items: items,
      index: previous ? Math.min(previous.index, items.length - 1) : 0 };
    renderMentions();
  }

  function renderMentions() {
    var mention = state.mention;
    mentionMenu.innerHTML = "";
    mention.items.forEach(function (member, index) {
      mentionMenu.appendChild(el("li", {
        role: "option", "aria-selected": index === mention.index ? "true" : "false",
        class: index === mention.index ? "active" : null, "data-testid": "mention-option",
        onmousedown: function (event) { event.preventDefault(); chooseMention(index); },
      }, [
        el("span", { class: "presence-dot" + (member.online ? " online" : "") }),
        el("span", { text: member.name }),
      ]));
    });
    mentionMenu.hidden = false;
  }

  function closeMentions() {
    state.mention = null;
    mentionMenu.hidden = true;
    mentionMenu.innerHTML = "";
  }

  function chooseMention(index) {
    var mention = state.mention;
    if (!mention) return;
    var member = mention.items[index];
    var text = "@" + member.name + " ";
    input.value = input.value.slice(0, mention.start) + text + input.value.slice(mention.end);
    var caret = mention.start + text.length;
    input.setSelectionRange(caret, caret);
    closeMentions();
    input.focus();
    autoGrow();
  }

  input.addEventListener("keydown", function (event) {
    if (state.mention) {
      var mention = state.mention;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        mention.index = (mention.index + step + mention.items.length) % mention.items.length;
        renderMentions();
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        chooseMention(mention.index);
        return;
      }
      if (event.key === "Escape") { event.preventDefault(); closeMentions(); return; }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  input.addEventListener("input", function () {
    autoGrow();
    updateMentions();
    sendTyping();
  });
  input.addEventListener("click", updateMentions);
  input.addEventListener("blur", function () { setTimeout(closeMentions, 150); });
  input.addEventListener("paste", function (event) {
    var files = event.clipboardData && event.clipboardData.files;
    if (files && files.length) {
      event.preventDefault();
      addFiles(files);
    }
  });

  // --- the new-room dialog ------------------------------------------------------------------

  var dialog = document.getElementById("room-dialog");
  var chosen = new Map(); // user id → person

  function setupDialog() {
    if (!dialog) return;
    var form = document.getElementById("room-form");
    var search = document.getElementById("people-search");
    var results = document.getElementById("people-results");
    var chosenList = document.getElementById("chosen-people");
    var error = document.getElementById("room-error");
    var searchSeq = 0;

    function kind() { return form.elements.kind.value; }

    function syncKind() {
      var direct = kind() === "direct";
      Array.prototype.forEach.call(form.querySelectorAll(".for-group"), function (node) { node.hidden = direct; });
      if (direct && chosen.size > 1) {
        var first = chosen.values().next().value;
        chosen = new Map([[first.id, first]]);
        renderChosen();
      }
    }

    function renderChosen() {
      chosenList.innerHTML = "";
      chosen.forEach(function (person) {
        chosenList.appendChild(el("li", { "data-testid": "chosen-person" }, [
          el("span", { text: person.name }),
          el("span", { class: "muted small", text: person.organization }),
          el("button", { type: "button", class: "link close", "aria-label": t("remove"), text: "×",
            onclick: function () { chosen.delete(person.id); renderChosen(); } }),
        ]));
      });
    }

    function showResults(items) {
      results.innerHTML = "";
      items.forEach(function (item) { results.appendChild(item); });
      results.hidden = items.length === 0;
    }

    function searchPeople() {
      var q = search.value.trim();
      var seq = ++searchSeq;
      if (q.length < 2) { showResults([]); return; }
      X.api("GET", "/chat/people" + X.query({ q: q })).then(function (answer) {
        if (seq !== searchSeq) return;
        if (!answer.ok) { showResults([el("li", { class: "muted", text: X.errorText(answer) })]); return; }
        if (!answer.data.length) { showResults([el("li", { class: "muted", text: t("people_none") })]); return; }
        showResults(answer.data.map(function (person) {
          return el("li", null, el("button", {
            type: "button", "data-testid": "person-option", dataset: { userId: person.id },
            onclick: function () {
              if (kind() === "direct") chosen = new Map();
              chosen.set(person.id, person);
              renderChosen();
              search.value = "";
              showResults([]);
              search.focus();
            },
          }, [el("strong", { text: person.name }), el("span", { class: "muted small", text: person.organization })]));
        }));
      });
    }

    function showError(text) {
      error.hidden = !text;
      error.textContent = text || "";
    }

    document.getElementById("new-room").addEventListener("click", function () {
      form.reset();
      chosen = new Map();
      renderChosen();
      showResults([]);
      showError("");
      syncKind();
      dialog.showModal();
      form.elements.name.focus();
    });
    document.getElementById("room-cancel").addEventListener("click", function () { dialog.close(); });
    form.addEventListener("change", function (event) { if (event.target.name === "kind") syncKind(); });
    search.addEventListener("input", X.debounce(searchPeople, 250));
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        var first = results.querySelector("button");
        if (first) first.click();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var direct = kind() === "direct";
      var name = form.elements.name.value.trim();
      var visibility = form.elements.visibility.value;
      if (direct && chosen.size !== 1) { showError(t("direct_needs_one")); return; }
      if (!direct && !name) { showError(t("room_name_required")); form.elements.name.focus(); return; }
      var body = direct
        ? { kind: "direct", member_ids: Array.from(chosen.keys()) }
        : { kind: visibility === "network" ? "channel" : "group", name: name, visibility: visibility,
          member_ids: Array.from(chosen.keys()) };
      var submit = form.querySelector("[type=submit]");
      submit.disabled = true;
      X.api("POST", "/rooms", body).then(function (answer) {
        submit.disabled = false;
        if (!answer.ok) { showError(answerMessage(answer)); return; }
        dialog.close();
        state.rooms.set(answer.data.id, answer.data);
        renderRooms();
        openRoom(answer.data.id, { push: true });
      }, function () { submit.disabled = false; showError(t("error_generic")); });
    });
  }

  // --- start --------------------------------------------------------------------------------

  composer.addEventListener("submit", function (event) { event.preventDefault(); send(); });
  fileInput.addEventListener("change", function () {
    addFiles(fileInput.files);
    fileInput.value = "";
    input.focus();
  });
  scroller.addEventListener("scroll", function () {
    state.stickToBottom = atBottom();
    if (scroller.scrollTop < NEAR_TOP_PX) loadOlder();
    if (state.stickToBottom) markRead();
  });
  newBelow.addEventListener("click", function () { scrollToBottom(); markRead(); });
  joinButton.addEventListener("click", function () { if (state.roomId) joinRoom(state.roomId); });
  roomFilter.addEventListener("input", function () { renderRooms(); renderNetwork(); });
  document.addEventListener("visibilitychange", markRead);
  window.addEventListener("focus", markRead);
  window.addEventListener("popstate", function () {
    var match = /\/chat\/(\d+)$/.exec(window.location.pathname);
    if (match) openRoom(Number(match[1]));
  });
  setupDialog();
  autoGrow();

  loadRooms().then(function () {
    if (config.room_id) {
      openRoom(config.room_id);
    } else if (state.rooms.size && window.matchMedia("(min-width: 800px)").matches) {
      // A wide screen opens the most recent room, as mail programs do.
      var first = sortedRooms()[0];
      window.history.replaceState({ roomId: first.id }, "", roomPath(first.id));
      openRoom(first.id);
    }
  });
  connectSocket();
})();
