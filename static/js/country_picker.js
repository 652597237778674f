// A filter box above every country <select data-country-picker>: typing narrows the list
// (names or codes, accents ignored). Without JavaScript the plain <select> still works,
// with the browser's type-ahead.
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(select) {
    if (select.dataset.countryPickerReady) return;
    select.dataset.countryPickerReady = "1";
    const input = document.createElement("input");
    input.type = "search";
    input.className = "country-filter";
    input.placeholder = select.dataset.filterPlaceholder || "Filter countries…";
    input.setAttribute("aria-label", input.placeholder);
    input.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(input, select);
    const options = Array.from(select.options);
    input.addEventListener("input", function () {
      const query = fold(input.value.trim());
      let first = null;
      for (const option of options) {
        const match =
          !query || option.value === "" || fold(option.text).includes(query) ||
          option.value.toLowerCase() === query;
        option.hidden = !match;
        if (match && option.value && first === null) first = option;
      }
      const current = select.selectedOptions[0];
      if (first && current && current.hidden) select.value = first.value;
    });
    input.addEventListener("keydown", function (event) {
      // Enter picks the first match instead of submitting the form.
      if (event.key === "Enter") {
        event.preventDefault();
        select.focus();
      }
    });
  }

  function init() {
    document.querySelectorAll("select[data-country-picker]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
