// Runs before the page paints: applies the reader's theme choice (no flash of the wrong
// theme) and marks that scripts run, so placeholders show their spinners.
(function () {
  var root = document.documentElement;
  root.classList.add("js");
  try {
    var theme = localStorage.getItem("portico-theme");
    if (theme === "dark" || theme === "light") root.setAttribute("data-theme", theme);
  } catch (e) { /* storage disabled: follow the system */ }
})();
