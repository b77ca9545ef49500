/* The capacity pages: shelters with live occupancy bars, a shelter's room plan (assign a bed
   by picking a person, check out, move, block), person search and detail with activities,
   the registry import with upload progress, and the district dashboard's trend chart.
   Texts come from Exchange.t() (#page-strings); nothing visible is written here. */
(function () {
  "use strict";

  var X = window.Exchange;
  var t = X.t;
  var el = X.el;
  var config = X.config;

  // --- shared -------------------------------------------------------------------------------

  /** 0..100 as the reader writes a percentage (de "50 %", en "50%"). */
  function shownPercent(n) {
    return new Intl.NumberFormat(X.locale, { style: "percent", maximumFractionDigits: 0 })
      .format(n / 100);
  }

  function errorText(answer) {
    if (answer && answer.data && answer.data.errors && answer.status === 422) {
      var fields = answer.data.errors.json || answer.data.errors.form || answer.data.errors;
      var first = Object.keys(fields)[0];
      if (first) return t("error_fields") + " (" + first + ": " + [].concat(fields[first])[0] + ")";
    }
    return X.errorText(answer || {});
  }

  var toasts = document.getElementById("toasts");
  function toast(text, kind) {
    if (!toasts) return;
    var item = el("div", { class: "toast" + (kind ? " toast-" + kind : ""), role: "status",
      "data-testid": "toast" }, [
      el("span", { text: text }),
      el("button", { type: "button", class: "link close", "aria-label": t("close"), text: "×",
        onclick: function () { dismiss(); } }),
    ]);
    function dismiss() { if (item.parentNode) item.parentNode.removeChild(item); }
    toasts.appendChild(item);
    while (toasts.children.length > 3) toasts.removeChild(toasts.firstChild);
    setTimeout(dismiss, 6000);
  }

  function setLive(live) {
    var state = document.getElementById("livestate");
    if (!state) return;
    state.dataset.live = live ? "true" : "false";
    state.textContent = live ? t("live_on") : t("live_off");
    state.title = live ? t("live_on_hint") : t("live_off_hint");
  }

  /** Listens to the socket's `capacity` events; `onReconnect` fetches what was missed. */
  function connectCapacity(onEvent, onReconnect) {
    if (typeof window.io !== "function") return;
    setLive(false);
    var first = true;
    var socket = window.io({ withCredentials: true });
    socket.on("connect", function () {
      setLive(true);
      if (!first && onReconnect) onReconnect();
      first = false;
    });
    socket.on("disconnect", function () { setLive(false); });
    socket.on("connect_error", function () { setLive(false); });
    socket.on("capacity", onEvent);
  }

  function percent(part, total) {
    return total ? (100 * part / total).toFixed(2) + "%" : "0%";
  }

  // Bars drawn by the server carry their shares as data-share (a style attribute would need
  // 'unsafe-inline' in the Content-Security-Policy); widths set through the CSSOM are allowed.
  Array.prototype.forEach.call(document.querySelectorAll(".occbar [data-share]"), function (part) {
    part.style.width = part.dataset.share + "%";
  });

  /** Brings an occupancy bar (and its numbers) inside `box` up to date. */
  function updateBar(box, capacity) {
    if (!box || !capacity) return;
    var bar = box.querySelector(".occbar");
    if (bar) {
      bar.querySelector(".occ-occupied").style.width = percent(capacity.occupied, capacity.total);
      bar.querySelector(".occ-blocked").style.width = percent(capacity.blocked, capacity.total);
      bar.querySelector(".occ-free").style.width = percent(capacity.free, capacity.total);
      var title = t("bar_title", capacity);
      bar.title = title;
      bar.setAttribute("aria-label", title);
    }
    ["occupied", "blocked", "free", "total", "free_published"].forEach(function (name) {
      box.querySelectorAll('[data-field="' + name + '"]').forEach(function (field) {
        if (capacity[name] !== undefined) field.textContent = X.formatNumber(capacity[name], 0);
      });
    });
  }

  function personLabel(person) {
    return [person.family_name, person.given_names].filter(Boolean).join(", ");
  }

  // --- shelters list ------------------------------------------------------------------------

  function sheltersPage() {
    function refreshShelter(id) {
      var box = document.querySelector('[data-shelter-id="' + id + '"]');
      if (!box) return;
      X.api("GET", "/shelters/" + id + "/capacity").then(function (answer) {
        if (answer.ok) updateBar(box, answer.data);
      });
    }
    function refreshAll() {
      document.querySelectorAll("[data-shelter-id]").forEach(function (box) {
        refreshShelter(box.dataset.shelterId);
      });
    }
    connectCapacity(function (payload) {
      if (payload && payload.shelter_id) refreshShelter(payload.shelter_id);
    }, refreshAll);
  }

  // --- room plan ----------------------------------------------------------------------------

  function planPage() {
    var plan = document.getElementById("plan");
    var panel = document.getElementById("bedpanel");
    var summary = document.getElementById("summary");
    var manage = Boolean(config.manage);
    var state = { rooms: [], beds: new Map(), selected: null, moving: null, loading: null };

    function load() {
      var url = config.plan_url.replace("/0/", "/" + config.shelter_id + "/");
      var request = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        });
      state.loading = request;
      return request.then(function (data) {
        if (state.loading !== request) return;
        state.rooms = data.rooms;
        state.beds = new Map();
        data.rooms.forEach(function (room) {
          room.beds.forEach(function (bed) { bed.room = room; state.beds.set(bed.id, bed); });
        });
        updateBar(summary, data.capacity);
        render();
        if (state.selected && state.beds.has(state.selected)) {
          if (!panel.contains(document.activeElement)) showPanel(state.beds.get(state.selected));
        } else {
          closePanel();
        }
      }, function () {
        plan.removeAttribute("aria-busy");
        plan.innerHTML = "";
        plan.appendChild(el("p", { class: "error", text: t("load_error") }));
      });
    }

    function bedState(bed) {
      if (bed.occupied) return "occupied";
      return bed.status === "available" ? "free" : "blocked";
    }

    function bedTile(bed) {
      var kind = bedState(bed);
      var target = state.moving && kind === "free";
      var lines = [el("span", { class: "bedlabel", text: bed.label })];
      if (kind === "occupied" && bed.person_name) {
        lines.push(el("span", { class: "bedname", text: bed.person_name }));
      } else if (kind === "blocked") {
        lines.push(el("span", { class: "bedname", text: bed.block_reason || t(bed.status) }));
      } else {
        lines.push(el("span", { class: "bedname muted", text: t(kind) }));
      }
      var attributes = {
        class: "bed bed-" + kind + (state.selected === bed.id ? " selected" : "")
          + (target ? " target" : ""),
        "data-testid": "bed-" + bed.id,
        dataset: { bedId: bed.id, state: kind },
        title: t("bed_in_room", { label: bed.label, room: bed.room.name }),
      };
      if (!manage) return el("div", attributes, lines);
      attributes.type = "button";
      attributes.onclick = function () { clickBed(bed); };
      return el("button", attributes, lines);
    }

    function render() {
      plan.removeAttribute("aria-busy");
      plan.innerHTML = "";
      plan.classList.toggle("moving", Boolean(state.moving));
      if (!state.rooms.length) {
        plan.appendChild(el("p", { class: "card empty", text: t("no_rooms") }));
        return;
      }
      state.rooms.forEach(function (room) {
        var tags = [el("span", { class: "policy policy-" + room.policy, text: t("policy_" + room.policy) })];
        if (room.accessible) tags.push(el("span", { class: "policy access", text: "♿ " + t("accessible") }));
        plan.appendChild(el("section", { class: "room card", "data-testid": "room-" + room.id }, [
          el("header", { class: "roomhead" }, [
            el("strong", { text: room.name }),
            el("span", { class: "roomtags" }, tags),
            el("span", { class: "spacer" }),
            el("span", { class: "muted", text: X.tn("room_free", room.free_beds) }),
          ]),
          el("div", { class: "beds" }, room.beds.map(bedTile)),
        ]));
      });
    }

    // --- the bed panel ------------------------------------------------------------------------

    function closePanel() {
      state.selected = null;
      if (panel) { panel.hidden = true; panel.innerHTML = ""; }
    }

    function clickBed(bed) {
      if (state.moving) {
        if (bedState(bed) === "free") { doMove(state.moving, bed); return; }
        state.moving = null;
      }
      state.selected = bed.id;
      render();
      showPanel(bed);
    }

    function panelHead(bed) {
      return el("header", { class: "panelhead" }, [
        el("h2", { text: t("bed_in_room", { label: bed.label, room: bed.room.name }) }),
        el("button", { type: "button", class: "link close", "aria-label": t("close"), text: "×",
          onclick: function () { state.moving = null; closePanel(); render(); } }),
      ]);
    }

    function showPanel(bed) {
      panel.hidden = false;
      panel.innerHTML = "";
      panel.appendChild(panelHead(bed));
      var kind = bedState(bed);
      if (kind === "free") freePanel(bed);
      else if (kind === "occupied") occupiedPanel(bed);
      else blockedPanel(bed);
    }

    function freePanel(bed) {
      var input = el("input", { type: "search", autocomplete: "off", "data-testid": "person-search",
        placeholder: t("search_placeholder"), "aria-label": t("search_placeholder") });
      var results = el("ul", { class: "picklist", "data-testid": "person-results" });
      var status = el("p", { class: "hint", role: "status", text: t("assign_hint") });
      var search = X.debounce(function () {
        var q = input.value.trim();
        if (!q) { results.innerHTML = ""; status.textContent = t("assign_hint"); return; }
        status.textContent = t("searching");
        X.api("GET", "/persons" + X.query({ q: q, limit: 10 })).then(function (answer) {
          if (input.value.trim() !== q) return;
          results.innerHTML = "";
          if (!answer.ok) { status.textContent = errorText(answer); return; }
          status.textContent = answer.data.items.length ? "" : t("no_persons");
          if (answer.data.next_cursor) status.textContent = t("results_more");
          answer.data.items.forEach(function (person) {
            var facts = [t("gender_" + person.gender)];
            if (person.birth_date) facts.push(t("born", { date: X.formatDate(person.birth_date) }));
            facts.push(person.current_bed_id ? t("housed_in") : t("not_housed"));
            results.appendChild(el("li", {}, el("button", {
              type: "button", class: "pick", "data-testid": "pick-person",
              dataset: { personId: person.id },
              onclick: function () { assign(person, bed); },
            }, [el("strong", { text: personLabel(person) }), el("span", { class: "muted", text: facts.join(" · ") })])));
          });
        }, function () { status.textContent = t("error_generic"); });
      }, 250);
      input.addEventListener("input", search);
      var reason = el("input", { type: "text", maxlength: "500", placeholder: t("block_reason"),
        "aria-label": t("block_reason"), "data-testid": "block-reason" });
      panel.appendChild(el("section", {}, [
        el("h3", { text: t("assign") }), input, status, results,
      ]));
      panel.appendChild(el("section", { class: "panelsecondary" }, [
        reason,
        el("button", { type: "button", class: "secondary", "data-testid": "block-bed", text: t("block"),
          onclick: function () { block(bed, reason.value); } }),
      ]));
      input.focus();
    }

    function occupiedPanel(bed) {
      var name = bed.person_name || "";
      panel.appendChild(el("p", { class: "occupant" }, [
        el("strong", { text: name }), " ",
        el("a", { href: config.person_url.replace("/0", "/" + bed.person_id), text: t("open_person") }),
      ]));
      panel.appendChild(el("div", { class: "actions" }, [
        el("button", { type: "button", class: "primary", "data-testid": "move-bed", text: t("move"),
          onclick: function () {
            state.moving = bed;
            render();
            panel.querySelector(".movehint").hidden = false;
          } }),
        el("button", { type: "button", class: "secondary", "data-testid": "check-out", text: t("check_out"),
          onclick: function () {
            if (!window.confirm(t("check_out_question", { name: name }))) return;
            act(X.api("POST", "/occupancies/" + bed.occupancy_id + "/end"),
              t("done_checked_out", { name: name }));
          } }),
      ]));
      panel.appendChild(el("p", { class: "hint movehint", hidden: true, text: t("move_hint", { name: name }) }));
    }

    function blockedPanel(bed) {
      panel.appendChild(el("p", {}, [
        el("strong", { text: t(bed.status) }), bed.block_reason ? ": " + bed.block_reason : "",
      ]));
      panel.appendChild(el("button", { type: "button", class: "primary", "data-testid": "unblock-bed",
        text: t("unblock"),
        onclick: function () {
          act(X.api("POST", "/beds/" + bed.id + "/unblock"), t("done_unblocked", { label: bed.label }));
        } }));
    }

    // --- actions --------------------------------------------------------------------------------

    function act(request, doneText) {
      panel.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
      return request.then(function (answer) {
        if (answer.ok) {
          toast(doneText, "ok");
          state.moving = null;
          closePanel();
        } else {
          toast(errorText(answer), "error");
          if (answer.status === 409) closePanel();
        }
        return load();
      }, function () {
        toast(t("error_generic"), "error");
        panel.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
      });
    }

    function assign(person, bed) {
      var name = personLabel(person);
      if (person.current_bed_id) {
        act(X.api("POST", "/moves", { person_id: person.id, bed_ids: [bed.id] }),
          t("done_moved", { name: name, label: bed.label }));
      } else {
        act(X.api("POST", "/occupancies", { person_id: person.id, bed_id: bed.id }),
          t("done_assigned", { name: name, label: bed.label }));
      }
    }

    function doMove(from, to) {
      act(X.api("POST", "/moves", { person_id: from.person_id, bed_ids: [to.id] }),
        t("done_moved", { name: from.person_name || "", label: to.label }));
    }

    function block(bed, reason) {
      act(X.api("POST", "/beds/" + bed.id + "/block", { reason: reason.trim() || null }),
        t("done_blocked", { label: bed.label }));
    }

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && (state.moving || state.selected)) {
        state.moving = null;
        closePanel();
        render();
      }
    });

    var reloadSoon = X.debounce(load, 200);
    load();
    connectCapacity(function (payload) {
      if (payload && payload.shelter_id === config.shelter_id) reloadSoon();
    }, load);
  }

  // --- persons ------------------------------------------------------------------------------

  function personsPage() {
    var form = document.getElementById("personsearch");
    var input = form.elements.q;
    var rows = document.getElementById("personrows");
    var note = document.getElementById("personsnote");

    function search() {
      var q = input.value.trim();
      var params = { limit: 50 };
      if (q) params.q = q;
      window.history.replaceState(null, "", window.location.pathname + X.query({ q: q }));
      X.api("GET", "/persons" + X.query(params)).then(function (answer) {
        if (input.value.trim() !== q) return;
        rows.innerHTML = "";
        if (!answer.ok) { note.textContent = errorText(answer); return; }
        note.textContent = answer.data.items.length ? (answer.data.next_cursor ? t("results_more") : "")
          : t("no_persons");
        answer.data.items.forEach(function (person) {
          rows.appendChild(el("tr", { "data-testid": "person-row" }, [
            el("td", {}, el("a", { href: config.person_url.replace("/0", "/" + person.id),
              text: personLabel(person) })),
            el("td", { text: X.formatDate(person.birth_date) }),
            el("td", { text: t("gender_" + person.gender) }),
            el("td", { text: person.external_id || "" }),
            el("td", { text: person.current_bed_id ? "✓" : "–" }),
          ]));
        });
      }, function () { note.textContent = t("error_generic"); });
    }

    form.addEventListener("submit", function (event) { event.preventDefault(); search(); });
    input.addEventListener("input", X.debounce(search, 300));
    input.value = new URLSearchParams(window.location.search).get("q") || "";
    search();
  }

  function personPage() {
    var list = document.getElementById("activities");
    var form = document.getElementById("newactivity");
    var formError = form.querySelector(".formerror");
    var today = new Date().toISOString().slice(0, 10);

    function item(activity) {
      var overdue = activity.status === "open" && activity.due_date && activity.due_date < today;
      var title = t("activity_" + activity.kind) + (activity.title ? ": " + activity.title : "");
      var next = activity.status === "open" ? "done" : "open";
      return el("li", { class: "activity status-" + activity.status + (overdue ? " overdue" : ""),
        "data-testid": "activity", dataset: { activityId: activity.id } }, [
        el("span", { class: "due", text: activity.due_date ? X.formatDate(activity.due_date) : t("no_due_date") }),
        el("span", { class: "what", text: title }),
        el("span", { class: "state", "data-testid": "activity-status",
          text: overdue ? t("overdue") : t("status_" + activity.status) }),
        el("button", { type: "button", class: "secondary small", "data-testid": "activity-toggle",
          text: next === "done" ? t("mark_done") : t("reopen"),
          onclick: function (event) {
            event.target.disabled = true;
            X.api("PATCH", "/activities/" + activity.id, { status: next }).then(function (answer) {
              if (!answer.ok) toast(errorText(answer), "error");
              load();
            });
          } }),
      ]);
    }

    function load() {
      return X.api("GET", "/persons/" + config.person_id + "/activities" + X.query({ reason: config.reason })).then(function (answer) {
        list.removeAttribute("aria-busy");
        list.innerHTML = "";
        if (!answer.ok) { list.appendChild(el("li", { class: "error", text: errorText(answer) })); return; }
        if (!answer.data.length) list.appendChild(el("li", { class: "muted", text: t("no_activities") }));
        answer.data.forEach(function (activity) { list.appendChild(item(activity)); });
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { kind: form.elements.kind.value, title: form.elements.title.value.trim() };
      if (form.elements.due_date.value) body.due_date = form.elements.due_date.value;
      formError.hidden = true;
      X.api("POST", "/persons/" + config.person_id + "/activities", body).then(function (answer) {
        if (!answer.ok) { formError.hidden = false; formError.textContent = errorText(answer); return; }
        form.reset();
        load();
      });
    });
    load();
  }

  // --- import -------------------------------------------------------------------------------

  function importPage() {
    var form = document.getElementById("importform");
    var progress = document.getElementById("importprogress");
    var bar = progress.querySelector("progress");
    var text = progress.querySelector(".progresstext");
    var report = document.getElementById("importreport");
    var template = document.getElementById("reporttemplate");
    var submit = form.querySelector("button[type=submit]");

    function csrf() {
      var meta = document.querySelector('meta[name="csrf-token"]');
      return meta ? meta.getAttribute("content") : "";
    }

    function showReport(status, data, dryRun) {
      report.hidden = false;
      report.innerHTML = "";
      report.appendChild(template.content.cloneNode(true));
      var verdict = report.querySelector(".verdict");
      if (!data || typeof data !== "object" || data.created === undefined) {
        verdict.textContent = status === 404 || status === 405 ? t("import_missing")
          : (data && data.message) || errorText({ status: status, data: data });
        verdict.className = "verdict error";
        report.querySelector(".counts").hidden = true;
        return;
      }
      var errors = data.errors || [];
      var duplicates = data.duplicates || [];
      ["created", "updated", "unchanged"].forEach(function (name) {
        report.querySelector('[data-field="' + name + '"]').textContent = X.formatNumber(data[name] || 0, 0);
      });
      report.querySelector('[data-field="errors"]').textContent = X.formatNumber(errors.length, 0);
      verdict.textContent = errors.length ? t("import_errors") : (dryRun ? t("import_dry_ok") : t("import_ok"));
      if (data.more_errors) verdict.textContent += " " + t("more_errors", { n: X.formatNumber(data.more_errors, 0) });
      verdict.className = "verdict " + (errors.length ? "error" : "ok");
      if (errors.length) {
        report.querySelector(".errors").hidden = false;
        var body = report.querySelector(".errors tbody");
        errors.forEach(function (error) {
          body.appendChild(el("tr", {}, [
            el("td", { text: String(error.row) }), el("td", { text: error.field || "" }),
            el("td", { text: error.message || "" }),
          ]));
        });
      }
      if (duplicates.length) {
        report.querySelector(".duplicates").hidden = false;
        var dupes = report.querySelector(".duplicates tbody");
        duplicates.forEach(function (dupe) {
          var id = dupe.person_id || dupe.id || dupe.existing_id;
          var who = dupe.name || dupe.external_id || (id ? "#" + id : "");
          var link = id ? el("a", { href: config.person_url.replace("/0", "/" + id), text: who }) : who;
          // The report names the registered person by id; the caseworker wants the name.
          if (id && !dupe.name) {
            X.api("GET", "/persons/" + id).then(function (answer) {
              if (answer.ok) link.textContent = personLabel(answer.data) + (answer.data.external_id ? " (" + answer.data.external_id + ")" : "");
            });
          }
          dupes.appendChild(el("tr", {}, [
            el("td", { text: dupe.row !== undefined ? String(dupe.row) : "" }),
            el("td", {}, link),
            el("td", { text: dupe.score !== undefined ? X.formatNumber(dupe.score * 100, 0) + " %" : "" }),
          ]));
        });
      }
    }

    // The server tells the importing user's sockets how far it is (rows checked so far).
    var running = false;
    if (typeof window.io === "function") {
      window.io({ withCredentials: true }).on("import_progress", function (payload) {
        if (!running || !payload || !progress.classList.contains("working")) return;
        text.textContent = t("checking_rows", { n: X.formatNumber(payload.rows_done || 0, 0) });
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      running = true;
      var data = new FormData(form);
      var dryRun = form.elements.dry_run.checked;
      data.set("dry_run", dryRun ? "true" : "false");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", config.api + "/registry/imports");
      xhr.setRequestHeader("X-CSRFToken", csrf());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.withCredentials = true;
      progress.hidden = false;
      progress.classList.remove("working");
      bar.value = 0;
      text.textContent = t("uploading", { percent: shownPercent(0) });
      report.hidden = true;
      submit.disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var done = Math.round(100 * e.loaded / e.total);
        bar.value = done;
        text.textContent = t("uploading", { percent: shownPercent(done) });
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        progress.classList.add("working");
        text.textContent = t("checking");
      });
      xhr.addEventListener("load", function () {
        running = false;
        submit.disabled = false;
        progress.hidden = true;
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (error) { body = null; }
        showReport(xhr.status, body, dryRun);
      });
      xhr.addEventListener("error", function () {
        running = false;
        submit.disabled = false;
        progress.hidden = true;
        showReport(0, null, dryRun);
      });
      xhr.send(data);
    });
  }

  // --- dashboard ----------------------------------------------------------------------------

  function dashboardPage() {
    var canvas = document.getElementById("trend");
    var empty = document.getElementById("trendempty");
    X.api("GET", "/organizations/" + config.organization_id + "/capacity/trend?days=60").then(function (answer) {
      var points = answer.ok ? answer.data : [];
      if (!points.length || typeof window.Chart !== "function") {
        canvas.parentNode.hidden = true;
        empty.hidden = false;
        if (!answer.ok) empty.textContent = errorText(answer);
        return;
      }
      canvas.dataset.points = String(points.length);
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: points.map(function (p) { return X.formatDate(p.day); }),
          datasets: [
            { label: t("chart_free"), data: points.map(function (p) { return p.free; }),
              borderColor: "#2e7d32", backgroundColor: "rgba(46,125,50,.15)", fill: true, tension: .25 },
            { label: t("chart_occupied"), data: points.map(function (p) { return p.occupied; }),
              borderColor: "#1f4e79", backgroundColor: "#1f4e79", tension: .25 },
            { label: t("chart_total"), data: points.map(function (p) { return p.total; }),
              borderColor: "#9aa5b1", borderDash: [4, 4], pointRadius: 0, tension: 0 },
          ],
        },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          interaction: { mode: "index", intersect: false },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
          locale: X.locale,
        },
      });
    }, function () {
      canvas.parentNode.hidden = true;
      empty.hidden = false;
      empty.textContent = t("load_error");
    });
  }

  var pages = {
    shelters: sheltersPage, plan: planPage, persons: personsPage, person: personPage,
    import: importPage, dashboard: dashboardPage,
  };
  if (pages[config.page]) pages[config.page]();
})();
