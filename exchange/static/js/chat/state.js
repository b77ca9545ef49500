/* What the chat page knows: its rooms, the open room's messages and members, uploads
   waiting for the next message. One object, shared by the page's modules. */

export const PAGE_SIZE = 50;
export const TYPING_SEND_EVERY_MS = 3000;
export const TYPING_SHOWN_MS = 5000;
export const SEND_TIMEOUT_MS = 10000;
export const TOAST_MS = 12000;

export const state = {
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
  sendKey: null,           // the client_key of the draft being sent (kept until it is stored)
  openSeq: 0,              // guards against answers for a room no longer open
  mention: null,           // {start, end, items, index} while the @ menu is open
};
