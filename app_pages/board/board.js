// Card-sorting board: an st.components.v2 component (no iframe, no build step).
//
// Data in (see cardsort/board.py board_payload): cards, the board state to start
// from, the study's kind and strings. State out: `state`, the whole board, sent to
// Python debounced (~500 ms) and flushed at once when the participant leaves the
// board (focus or pointer elsewhere, page hidden), so a click on "I am done" always
// sees the latest board. Every move happens here first, without a server round trip.
//
// Accessibility: each card is a button that opens its actions (details, a native
// "Move to" list with a Move button, take back); own groups can be created, renamed
// and removed with labelled controls; every change is announced in a polite live
// region in the study's language. Dragging (mouse, pen, touch) starts from a 44 px
// handle only, so swiping elsewhere scrolls the page as usual.
//
// Order inside groups (the study setting `order_within_groups`, a prioritisation sort):
// a group's cards are an ordered list, numbered; an open card in a group has "Move up"
// and "Move down" buttons (focus stays on the button, the new place is announced:
// "moved to position 2 of 5 in Billing"), and a drop between two cards of a group
// inserts the card there. The order of each group's `cards` is the order stored.

const DEBOUNCE_MS = 500;
const UNSORTED = "__unsorted";
const NEW_GROUP = "__new";

// The browser keeps each participant's newest board across Streamlit re-renders.
const boards = (window.__cardsortBoards = window.__cardsortBoards || new Map());

export default function mountBoard({ data, parentElement, setStateValue }) {
  const root = parentElement.querySelector(".csb-root");
  if (!root || !data) return undefined;

  let entry = boards.get(data.instance);
  if (!entry) {
    entry = { state: structuredClone(data.state), domIds: new Map(), openCard: null, renaming: null };
    boards.set(data.instance, entry);
  }
  const S = data.strings;
  const ordered = Boolean(data.order_within_groups);
  const lang = data.lang;
  const plural = new Intl.PluralRules(lang);
  const numbers = new Intl.NumberFormat(lang);

  // ---- strings ------------------------------------------------------------------------
  function t(key, values = {}) {
    let text = S[key];
    if (text && typeof text === "object") {
      text = text[plural.select(values.count)] || text.other;
    }
    return String(text).replace(/\{(\w+)\}/g, (_, name) =>
      typeof values[name] === "number" ? numbers.format(values[name]) : String(values[name] ?? ""));
  }
  const cardLabel = (id) => data.cards[id].label;
  const groupName = (g) => g.label || t("unnamed_group");

  // ---- state ------------------------------------------------------------------------------
  const state = () => entry.state;
  function findCard(cardId) {
    const s = state();
    const i = s.unsorted.indexOf(cardId);
    if (i >= 0) return { list: s.unsorted, index: i, group: null };
    for (const g of s.groups) {
      const j = g.cards.indexOf(cardId);
      if (j >= 0) return { list: g.cards, index: j, group: g };
    }
    return null;
  }
  const groupById = (id) => state().groups.find((g) => g.id === id);
  const ownGroups = () => state().groups.filter((g) => g.category_id === null);
  function groupsInUse() {
    return state().groups.filter((g) => g.category_id === null || g.cards.length > 0).length;
  }
  function canCreateGroup() {
    return data.own_groups && (data.max_groups === null || groupsInUse() < data.max_groups);
  }
  function newGroupId() {
    let id;
    do {
      id = "g-" + Math.random().toString(36).slice(2, 8);
    } while (groupById(id));
    return id;
  }

  // ---- sending to Python ------------------------------------------------------------------
  let timer = null;
  function send() {
    clearTimeout(timer);
    timer = null;
    setStateValue("state", structuredClone(state()));
  }
  function scheduleSend() {
    clearTimeout(timer);
    timer = setTimeout(send, DEBOUNCE_MS);
  }
  const flush = () => { if (timer !== null) send(); };

  // ---- live region --------------------------------------------------------------------------
  let liveTimer = null;
  function announce(text) {
    const live = root.querySelector(".csb-live");
    if (!live) return;
    live.textContent = "";
    clearTimeout(liveTimer);
    // A fresh text node after a tick makes screen readers speak repeated messages too.
    liveTimer = setTimeout(() => { live.textContent = text; }, 50);
  }

  // ---- actions ----------------------------------------------------------------------------
  // Each action changes the state, re-renders, announces and schedules a save; `focus`
  // names the element (by data-focus key) that should have focus afterwards.
  function commit(message, focusKey) {
    entry.openCard = null;
    render(focusKey);
    if (message) announce(message);
    scheduleSend();
  }

  function focusAfterLeaving(where) {
    // The card that took the moved card's place, else the one before it, else the pile.
    const list = where.list;
    if (list.length === 0) return where.group ? `group:${where.group.id}` : "heading:unsorted";
    return `card:${list[Math.min(where.index, list.length - 1)]}`;
  }

  function positionMessage(cardId, group) {
    return t("live_position", { card: cardLabel(cardId), position: group.cards.indexOf(cardId) + 1,
      count: group.cards.length, group: groupName(group) });
  }

  // `index` (a drop between cards, order inside groups only): the card's place in the target
  // group, counted without the card itself; otherwise it goes to the end.
  function moveCard(cardId, target, { focus = "next", index = null } = {}) {
    const from = findCard(cardId);
    if (!from) return;
    if (target === NEW_GROUP) {
      if (!canCreateGroup()) { announce(t("live_max_groups", { max: data.max_groups })); return; }
      from.list.splice(from.index, 1);
      const group = { id: newGroupId(), label: "", category_id: null, cards: [cardId] };
      state().groups.push(group);
      entry.renaming = group.id;
      commit(t("live_created_with", { group: t("unnamed_group"), card: cardLabel(cardId) }),
        `rename-input:${group.id}`);
      return;
    }
    const to = target === UNSORTED ? state().unsorted : groupById(target)?.cards;
    const place = ordered && target !== UNSORTED ? index : null;
    if (!to || (to === from.list && place === null)) return;
    from.list.splice(from.index, 1);
    if (place === null) to.push(cardId);
    else to.splice(Math.max(0, Math.min(place, to.length)), 0, cardId);
    let message;
    if (target === UNSORTED) message = t("live_unsorted", { card: cardLabel(cardId) });
    else if (ordered) message = positionMessage(cardId, groupById(target));
    else message = t("live_moved", { card: cardLabel(cardId), group: groupName(groupById(target)) });
    commit(message, focus === "card" ? `card:${cardId}` : focusAfterLeaving(from));
  }

  // Move up (-1) or down (+1) inside the card's group; the card stays open and the focus on
  // the button pressed, so pressing it again keeps moving the card.
  function reorderCard(cardId, step) {
    const where = findCard(cardId);
    if (!where || !where.group) return;
    const to = where.index + step;
    if (to < 0 || to >= where.list.length) {
      announce(t(step < 0 ? "live_first" : "live_last", { card: cardLabel(cardId), group: groupName(where.group) }));
      return;
    }
    where.list.splice(where.index, 1);
    where.list.splice(to, 0, cardId);
    entry.openCard = cardId;
    render(`${step < 0 ? "up" : "down"}:${cardId}`);
    announce(positionMessage(cardId, where.group));
    scheduleSend();
  }

  function createGroup(label) {
    if (!canCreateGroup()) { announce(t("live_max_groups", { max: data.max_groups })); return; }
    const group = { id: newGroupId(), label: label.trim(), category_id: null, cards: [] };
    state().groups.push(group);
    commit(t("live_created", { group: groupName(group) }), "create-input");
  }

  function renameGroup(groupId, label) {
    const group = groupById(groupId);
    if (!group) return;
    group.label = label.trim();
    entry.renaming = null;
    commit(t("live_renamed", { group: groupName(group) }), `rename:${groupId}`);
  }

  function removeGroup(groupId) {
    const s = state();
    const index = s.groups.findIndex((g) => g.id === groupId);
    if (index < 0) return;
    const [group] = s.groups.splice(index, 1);
    s.unsorted.push(...group.cards);
    const next = s.groups[index] || s.groups[index - 1];
    commit(t("live_removed", { group: groupName(group), count: group.cards.length }),
      next ? `group:${next.id}` : "heading:groups");
  }

  // ---- rendering ----------------------------------------------------------------------------
  function domId(key) {
    if (!entry.domIds.has(key)) entry.domIds.set(key, `csb-${data.instance.replace(/\W/g, "")}-${entry.domIds.size}`);
    return entry.domIds.get(key);
  }
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) if (child) node.append(child);
    return node;
  }

  function destinations(cardId) {
    const where = findCard(cardId);
    const options = state().groups
      .filter((g) => g !== where.group)
      .map((g) => ({ value: g.id, label: groupName(g) }));
    if (canCreateGroup()) options.push({ value: NEW_GROUP, label: t("option_new_group") });
    if (where.group) options.push({ value: UNSORTED, label: t("option_unsorted") });
    return options;
  }

  function renderCard(cardId, rank = null) {
    const card = data.cards[cardId];
    const where = findCard(cardId);
    const open = entry.openCard === cardId;
    const panelId = domId(`panel:${cardId}`);
    const selectId = domId(`select:${cardId}`);
    const handle = el("span", { class: "csb-handle", "aria-hidden": "true", "data-drag": cardId, title: t("drag_handle", { card: card.label }) });
    const button = el("button", {
      type: "button", class: "csb-card-button", "aria-expanded": String(open), "aria-controls": panelId,
      "data-focus": `card:${cardId}`,
      onclick: () => { entry.openCard = open ? null : cardId; render(open ? `card:${cardId}` : `select:${cardId}`); },
    }, el("span", { class: "csb-card-label", text: card.label }));
    // The list is an <ol>: screen readers say the place; the number is for the eyes.
    const number = rank === null ? null : el("span", { class: "csb-rank", "aria-hidden": "true", text: numbers.format(rank) });
    const item = el("li", { class: "csb-card" + (open ? " csb-open" : ""), "data-card": cardId },
      el("div", { class: "csb-card-row" }, handle, number, button));
    if (card.image) item.append(el("img", { class: "csb-image", src: card.image, alt: card.label, loading: "lazy" }));
    const panel = el("div", { class: "csb-panel", id: panelId, hidden: !open });
    if (card.description) panel.append(el("p", { class: "csb-description", text: card.description }));
    const select = el("select", { id: selectId, "data-focus": `select:${cardId}` },
      destinations(cardId).map((o) => el("option", { value: o.value, text: o.label })));
    const move = () => moveCard(cardId, select.value);
    select.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); move(); } });
    panel.append(el("div", { class: "csb-move" },
      el("label", { for: selectId, text: t("move_to", { card: card.label }) }),
      el("div", { class: "csb-move-row" }, select,
        el("button", { type: "button", class: "csb-primary", text: t("move"), onclick: move }))));
    if (ordered && where.group && where.list.length > 1) {
      const first = where.index === 0;
      const last = where.index === where.list.length - 1;
      panel.append(el("div", { class: "csb-order" },
        el("button", { type: "button", class: "csb-secondary", "data-focus": `up:${cardId}`, "aria-disabled": first ? "true" : null,
          "aria-label": t("move_up_card", { card: card.label }), text: t("move_up"), onclick: () => reorderCard(cardId, -1) }),
        el("button", { type: "button", class: "csb-secondary", "data-focus": `down:${cardId}`, "aria-disabled": last ? "true" : null,
          "aria-label": t("move_down_card", { card: card.label }), text: t("move_down"), onclick: () => reorderCard(cardId, 1) })));
    }
    if (where.group) {
      panel.append(el("button", {
        type: "button", class: "csb-secondary", "aria-label": t("take_back", { card: card.label }),
        text: t("take_back_short"), onclick: () => moveCard(cardId, UNSORTED),
      }));
    }
    item.append(panel);
    return item;
  }

  function renderCards(cards, inGroup = false) {
    if (ordered && inGroup) return el("ol", { class: "csb-cards csb-ordered", role: "list" }, cards.map((c, i) => renderCard(c, i + 1)));
    return el("ul", { class: "csb-cards", role: "list" }, cards.map((c) => renderCard(c)));
  }

  function renderGroup(group) {
    const headingId = domId(`group-heading:${group.id}`);
    const own = group.category_id === null;
    const head = el("div", { class: "csb-group-head" },
      el("h4", { id: headingId, tabindex: "-1", "data-focus": `group:${group.id}`, class: own && !group.label ? "csb-unnamed" : null, text: groupName(group) }),
      el("span", { class: "csb-count", text: t("group_count", { count: group.cards.length }) }));
    const item = el("li", { class: "csb-group" + (own ? " csb-own" : " csb-category"), "data-drop": group.id },
      el("section", { "aria-labelledby": headingId }, head));
    const body = item.firstChild;
    if (!own) body.append(el("p", { class: "csb-badge", text: t("category_badge") }));
    if (own && entry.renaming === group.id) {
      const inputId = domId(`rename-input:${group.id}`);
      const input = el("input", { id: inputId, type: "text", value: group.label, maxlength: "200", autocomplete: "off", "data-focus": `rename-input:${group.id}` });
      input.addEventListener("keydown", (e) => {
        if (e.key === "Escape") { e.preventDefault(); entry.renaming = null; render(`rename:${group.id}`); }
      });
      body.append(el("form", {
        class: "csb-rename",
        onsubmit: (e) => { e.preventDefault(); renameGroup(group.id, input.value); },
      },
      el("label", { for: inputId, text: t("group_name") }),
      el("div", { class: "csb-move-row" }, input,
        el("button", { type: "submit", class: "csb-primary", text: t("save_name") }),
        el("button", { type: "button", class: "csb-secondary", text: t("cancel"),
          onclick: () => { entry.renaming = null; render(`rename:${group.id}`); } }))));
    } else if (own) {
      body.append(el("div", { class: "csb-group-actions" },
        el("button", { type: "button", class: "csb-secondary", "data-focus": `rename:${group.id}`,
          "aria-label": t("rename_group", { group: groupName(group) }), text: t("rename"),
          onclick: () => { entry.renaming = group.id; render(`rename-input:${group.id}`); } }),
        el("button", { type: "button", class: "csb-secondary", "aria-label": t("remove_group", { group: groupName(group) }),
          text: t("remove"), onclick: () => removeGroup(group.id) })));
    }
    body.append(group.cards.length ? renderCards(group.cards, true) : el("p", { class: "csb-empty", text: t("group_empty") }));
    return item;
  }

  function renderCreate() {
    const inputId = domId("create-input");
    const input = el("input", { id: inputId, type: "text", maxlength: "200", autocomplete: "off", "data-focus": "create-input" });
    const form = el("form", { class: "csb-create", "data-drop": NEW_GROUP,
      onsubmit: (e) => { e.preventDefault(); createGroup(input.value); } },
    el("label", { for: inputId, text: t("new_group_name") }),
    el("div", { class: "csb-move-row" }, input, el("button", { type: "submit", class: "csb-primary", text: t("create_group") })),
    el("p", { class: "csb-drop-hint", text: t("new_group_drop") }));
    return form;
  }

  let rendering = false;
  function render(focusKey) {
    const s = state();
    const total = s.unsorted.length + s.groups.reduce((n, g) => n + g.cards.length, 0);
    const sorted = total - s.unsorted.length;
    const helpId = domId("help");
    const orderHelpId = domId("order-help");
    const board = el("div", { class: "csb", dir: data.dir, lang, role: "region", "aria-label": t("board_label"),
      "aria-describedby": ordered ? `${helpId} ${orderHelpId}` : helpId },
      el("p", { id: helpId, class: "csb-help", text: t("board_help") }),
      ordered ? el("p", { id: orderHelpId, class: "csb-help", text: t("order_help") }) : null,
      el("p", { class: "csb-progress", text: t("progress", { sorted, total }) }),
      data.max_groups !== null && data.own_groups ? el("p", { class: "csb-note", text: t("max_groups_note", { max: data.max_groups }) }) : null,
      el("div", { class: "csb-live csb-visually-hidden", role: "status", "aria-live": "polite", "aria-atomic": "true" }),
      el("div", { class: "csb-columns" },
        el("section", { class: "csb-pile csb-unsorted", "data-drop": UNSORTED, "aria-labelledby": domId("heading:unsorted") },
          el("h3", { id: domId("heading:unsorted"), tabindex: "-1", "data-focus": "heading:unsorted", text: t("unsorted_heading") }),
          s.unsorted.length ? renderCards(s.unsorted) : el("p", { class: "csb-empty", text: t("unsorted_empty") })),
        el("section", { class: "csb-pile csb-groups", "aria-labelledby": domId("heading:groups") },
          el("h3", { id: domId("heading:groups"), tabindex: "-1", "data-focus": "heading:groups", text: t("groups_heading") }),
          data.own_groups && canCreateGroup() ? renderCreate() : null,
          el("ul", { class: "csb-group-list", role: "list" }, s.groups.map(renderGroup)))));
    // Keep the live region node (and what it is saying) across re-renders.
    const oldLive = root.querySelector(".csb-live");
    if (oldLive) board.querySelector(".csb-live").replaceWith(oldLive);
    rendering = true;  // removing the focused node fires focusout: that is not leaving the board
    try {
      root.replaceChildren(board);
    } finally {
      rendering = false;
    }
    if (focusKey) {
      const target = root.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`);
      if (target) target.focus({ preventScroll: false });
    }
  }

  // ---- keyboard: Escape closes an open card ----------------------------------------------------
  function onKeydown(e) {
    if (e.key === "Escape" && entry.openCard !== null) {
      const cardId = entry.openCard;
      entry.openCard = null;
      render(`card:${cardId}`);
    }
  }

  // ---- dragging with pointer events (mouse, pen, touch) ------------------------------------------
  let drag = null;
  function dropTargetAt(x, y) {
    const hit = document.elementFromPoint(x, y);
    const zone = hit && hit.closest("[data-drop]");
    return zone && root.contains(zone) ? zone : null;
  }
  // Order inside groups: where a drop at height `y` goes among the group's other cards.
  function insertionAt(zone, y) {
    const items = Array.from(zone.querySelectorAll(".csb-card")).filter((c) => !c.classList.contains("csb-dragging"));
    const index = items.findIndex((c) => { const r = c.getBoundingClientRect(); return y < r.top + r.height / 2; });
    return { index: index < 0 ? items.length : index, items };
  }
  const ordersCards = (zone) => ordered && zone && zone.dataset.drop !== UNSORTED && zone.dataset.drop !== NEW_GROUP;
  function markInsertion(zone, y) {
    drag.marker?.classList.remove("csb-insert-before", "csb-insert-after");
    drag.marker = null;
    if (!ordersCards(zone)) return;
    const { index, items } = insertionAt(zone, y);
    if (!items.length) return;
    drag.marker = items[Math.min(index, items.length - 1)];
    drag.marker.classList.add(index < items.length ? "csb-insert-before" : "csb-insert-after");
  }
  function onPointerDown(e) {
    const handle = e.target.closest("[data-drag]");
    if (!handle || !root.contains(handle) || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault();
    const cardEl = handle.closest(".csb-card");
    const rect = cardEl.getBoundingClientRect();
    const ghost = cardEl.cloneNode(true);
    ghost.classList.add("csb-ghost");
    ghost.removeAttribute("data-card");
    ghost.querySelectorAll("[id]").forEach((n) => n.removeAttribute("id"));
    ghost.setAttribute("aria-hidden", "true");
    ghost.inert = true;
    ghost.style.width = `${rect.width}px`;
    root.firstChild.append(ghost);
    drag = { cardId: handle.dataset.drag, pointerId: e.pointerId, ghost, dx: e.clientX - rect.left, dy: e.clientY - rect.top, over: null, marker: null };
    cardEl.classList.add("csb-dragging");
    handle.setPointerCapture?.(e.pointerId);
    positionGhost(e.clientX, e.clientY);
  }
  function positionGhost(x, y) {
    drag.ghost.style.left = `${x - drag.dx}px`;
    drag.ghost.style.top = `${y - drag.dy}px`;
  }
  function onPointerMove(e) {
    if (!drag || e.pointerId !== drag.pointerId) return;
    e.preventDefault();
    positionGhost(e.clientX, e.clientY);
    const zone = dropTargetAt(e.clientX, e.clientY);
    if (zone !== drag.over) {
      drag.over?.classList.remove("csb-over");
      zone?.classList.add("csb-over");
      drag.over = zone;
    }
    markInsertion(zone, e.clientY);
    const edge = 48;
    if (e.clientY < edge) window.scrollBy(0, -12);
    else if (e.clientY > window.innerHeight - edge) window.scrollBy(0, 12);
  }
  function endDrag(e, drop) {
    if (!drag || e.pointerId !== drag.pointerId) return;
    const { cardId, ghost, over, marker } = drag;
    drag = null;
    ghost.remove();
    marker?.classList.remove("csb-insert-before", "csb-insert-after");
    over?.classList.remove("csb-over");
    root.querySelector(".csb-dragging")?.classList.remove("csb-dragging");
    if (drop) {
      const zone = dropTargetAt(e.clientX, e.clientY);
      if (zone) {
        const index = ordersCards(zone) ? insertionAt(zone, e.clientY).index : null;
        moveCard(cardId, zone.dataset.drop, { focus: "card", index });
      }
    }
  }
  const onPointerUp = (e) => endDrag(e, true);
  const onPointerCancel = (e) => endDrag(e, false);

  // ---- leaving the board sends the state at once ----------------------------------------------------
  const onDocPointerDown = (e) => { if (!root.contains(e.target)) flush(); };
  const onFocusOut = (e) => { if (!rendering && !root.contains(e.relatedTarget)) flush(); };
  const onHide = () => { if (document.visibilityState === "hidden") flush(); };

  root.addEventListener("keydown", onKeydown);
  root.addEventListener("pointerdown", onPointerDown);
  root.addEventListener("focusout", onFocusOut);
  window.addEventListener("pointermove", onPointerMove, { passive: false });
  window.addEventListener("pointerup", onPointerUp);
  window.addEventListener("pointercancel", onPointerCancel);
  document.addEventListener("pointerdown", onDocPointerDown, true);
  document.addEventListener("visibilitychange", onHide);
  window.addEventListener("pagehide", flush);

  render(null);

  return () => {
    flush();
    root.removeEventListener("keydown", onKeydown);
    root.removeEventListener("pointerdown", onPointerDown);
    root.removeEventListener("focusout", onFocusOut);
    window.removeEventListener("pointermove", onPointerMove);
    window.removeEventListener("pointerup", onPointerUp);
    window.removeEventListener("pointercancel", onPointerCancel);
    document.removeEventListener("pointerdown", onDocPointerDown, true);
    document.removeEventListener("visibilitychange", onHide);
    window.removeEventListener("pagehide", flush);
  };
}
