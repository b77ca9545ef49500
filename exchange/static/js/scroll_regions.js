/* Tables wider than a phone scroll inside their own box (app.css): a keyboard must reach such
   a box to scroll it (WCAG 2.1.1; axe's scrollable-region-focusable), also when the table
   holds no link or button. A box that scrolls becomes a tab stop (with the focus ring of
   a11y.css), one that fits again is none; tables drawn later (a fragment reloaded) are
   watched too. */
const BOXES = ".kern-table, .markdown table, .tablewrap";

function update(box) {
  if (box.scrollWidth > box.clientWidth + 1) {
    box.tabIndex = 0;
    box.dataset.scrollStop = "true";
  } else if (box.dataset.scrollStop) {
    box.removeAttribute("tabindex");
    delete box.dataset.scrollStop;
  }
}

const sizes = new ResizeObserver((entries) => { entries.forEach((entry) => { update(entry.target); }); });
const watched = new WeakSet();

function watchAll() {
  document.querySelectorAll(BOXES).forEach((box) => {
    if (watched.has(box)) return;
    watched.add(box);
    sizes.observe(box);
  });
}

watchAll();
new MutationObserver(watchAll).observe(document.body, { childList: true, subtree: true });
