// The upload form's protocol cards: the chosen test's card is shown open, the others hidden.
(function () {
  "use strict";
  const select = document.getElementById("id_activity");
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
