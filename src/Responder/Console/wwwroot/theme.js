// Applies the theme chosen earlier before the page paints (a separate file: the console runs under a CSP without inline scripts).
"use strict";
(() => {
  const theme = localStorage.getItem("zt.theme");
  if (theme === "light" || theme === "dark") document.documentElement.classList.add("theme-" + theme);
})();
