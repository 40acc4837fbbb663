// Building the page's elements. Everything from the server is written as text (textContent), except
// rendered outputs, which the server renders and sanitizes as on the share page (see output-view.js).

export const $ = (id) => document.getElementById(id);

/** Creates an element; props are DOM properties (textContent, className, …), on* props are listeners. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node[name] = value;
  }
  node.append(...children.filter((child) => child != null));
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element; attrs are attributes (never `style`, which the CSP forbids inline). */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value != null) node.setAttribute(name, String(value));
  }
  node.append(...children.filter((child) => child != null));
  return node;
}

export const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');
export const seconds = (ms) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
export const dollars = (usd) => `$${usd < 0.01 && usd > 0 ? usd.toFixed(4) : usd.toFixed(2)}`;
