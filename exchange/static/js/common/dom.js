/* Building elements without HTML strings: user text only ever goes in as text. */

/** A new element: el("li", {class: "x", dataset: {id: 1}, onclick: fn}, [children or text]).
    Attributes that are null, undefined or false are left out; true is an empty attribute. */
export function el(tag, attributes, children) {
  const element = document.createElement(tag);
  Object.keys(attributes || {}).forEach((name) => {
    const value = attributes[name];
    if (value === undefined || value === null || value === false) return;
    if (name === "dataset") {
      Object.keys(value).forEach((key) => { element.dataset[key] = value[key]; });
    } else if (name === "text") {
      element.textContent = value;
    } else if (name.slice(0, 2) === "on") {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? "" : value);
    }
  });
  [].concat(children || []).forEach((child) => {
    if (child === null || child === undefined || child === false) return;
    element.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  });
  return element;
}

/** `fn` once the calls have paused for `wait` ms (typing, map moves). */
export function debounce(fn, wait) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}
