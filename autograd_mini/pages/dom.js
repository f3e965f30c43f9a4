/* Shared by the pages (autograd_mini/pages joins it into each page's script): finding and making
   elements. A text is always put in as text (textContent), never as HTML. */
function $(id) { return document.getElementById(id); }
function el(tag, cls, text) {
  var x = document.createElement(tag);
  if (cls) x.className = cls;
  if (text !== undefined) x.textContent = text;
  return x;
}
