/* The header's menu on narrow screens: below 64em the navigation and the user's links fold
   behind one button (aria-expanded tells whether they are open); Escape closes the menu and
   puts the focus back on the button. Wider screens show everything and hide the button by
   CSS, so this only keeps the state. Without this script the menu simply stays open. */

const header = document.querySelector("header.topbar");
const toggle = document.getElementById("menu-toggle");
const menu = document.getElementById("site-menu");

if (header && toggle && menu) setUpMenu();

function setUpMenu() {
  function setOpen(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    header.dataset.menu = open ? "open" : "closed";
  }

  toggle.hidden = false;
  setOpen(false);

  toggle.addEventListener("click", () => {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  header.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && header.dataset.menu === "open") {
      setOpen(false);
      toggle.focus();
    }
  });
}
