// Learnfolio's pages work without this script; it only adds to them.
// - registers the service worker that makes the space installable (its address is on the script tag)
// - keeps the parts that collapse on a phone (<details class="phone-collapse">: the menu, the
//   filters) open on a wide screen, where the stylesheet shows them anyway, so their state reads right
(() => {
  const script = document.currentScript;
  if ("serviceWorker" in navigator && script && script.dataset.serviceWorker) {
    navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: script.dataset.scope })
      .catch(() => {});  // no app install then; every page still works
  }
  const wide = window.matchMedia("(min-width: 48rem)");
  const fit = () => {
    for (const part of document.querySelectorAll("details.phone-collapse")) {
      part.open = wide.matches;
    }
  };
  fit();
  wide.addEventListener("change", fit);
})();
