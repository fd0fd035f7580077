// The protocol cards of the standard tests (upload form, live page): the chosen test's card is shown
// open, the others hidden. The cards name the select they follow (data-select).
(function () {
  "use strict";
  const box = document.getElementById("protocol-cards");
  const select = box && document.getElementById(box.dataset.select);
  const cards = document.querySelectorAll("#protocol-cards .protocol-card");
  if (!select || !cards.length) return;
  function show() {
    let any = false;
    cards.forEach(function (card) {
      const chosen = card.dataset.activity === select.value;
      card.hidden = !chosen;
      card.open = chosen;
      any = any || chosen;
    });
    document.getElementById("protocol-cards").classList.toggle("none-chosen", !any);
  }
  select.addEventListener("change", show);
  show();
})();
