// The post form's publication line: when the post goes live, in the author's own time zone,
// with the site's zone named (the date inputs are in the site's zone), and the Publish button
// reading "Schedule" for a future date. The form works the same without it.
"use strict";
(function () {
  const FIELDS = ["year", "month", "day", "hour", "minute", "second"];

  // How far `zone` is ahead of UTC at the instant `utcMs`, from Intl (browsers ship the
  // time-zone database; no library needed).
  function offset(zone, utcMs) {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    const parts = {};
    for (const part of format.formatToParts(new Date(utcMs))) parts[part.type] = +part.value;
    const [y, mo, d, h, mi, s] = FIELDS.map((name) => parts[name]);
    return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(utcMs / 1000) * 1000;
  }

  // The instant a wall-clock time in `zone` names (twice round, for a change of offset).
  function instant(zone, y, mo, d, h, mi, s) {
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    const first = wall - offset(zone, wall);
    return wall - offset(zone, first);
  }

  function setUp() {
    const info = document.getElementById("desk-publishing");
    const date = document.getElementById("id_publish_date_0");
    const time = document.getElementById("id_publish_date_1");
    if (!info || !date || !time) return;
    const siteZone = info.dataset.siteZone;
    const myZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const publish = document.querySelector("input[name=_publish]");
    const draft = document.getElementById("id_draft");
    const opened = [date.value, time.value];
    const line = document.createElement("p");
    line.id = "desk-when";
    line.className = "desk-when";
    line.setAttribute("aria-live", "polite");
    (date.closest(".datetime") || date.parentNode).after(line);
    const show = new Intl.DateTimeFormat(undefined, {
      dateStyle: "full",
      timeStyle: "short",
      timeZone: myZone,
    });
    const zones = myZone === siteZone
      ? `(${siteZone}, the site's time zone)`
      : `your time (${myZone}); the date above is in the site's time zone, ${siteZone}`;

    function update() {
      const d = date.value.trim().match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/);
      const t = time.value.trim().match(/^(\d{1,2}):(\d{2})(?::(\d{2}))?$/);
      if (!d || !t) {
        line.textContent = "";
        return;
      }
      const at = instant(siteZone, +d[1], +d[2], +d[3], +t[1], +t[2], +(t[3] || 0));
      const future = at > Date.now();
      const isDraft = publish !== null || (draft && draft.checked);
      const untouched = date.value === opened[0] && time.value === opened[1];
      if (future) {
        line.textContent = `${isDraft ? "Publishing schedules it for" : "Goes live"} ${show.format(at)} ${zones}.`;
      } else if (isDraft && untouched) {
        line.textContent = `Dated ${show.format(at)} ${zones}. Publishing dates it now; change the date to keep one of your choosing.`;
      } else {
        line.textContent = `${isDraft ? "Dated" : "Live since"} ${show.format(at)} ${zones}.`;
      }
      if (publish) publish.value = future ? "Schedule" : "Publish";
    }

    for (const input of [date, time]) {
      input.addEventListener("input", update);
      input.addEventListener("change", update);
    }
    // The admin's calendar and clock pickers set the value without an input event.
    date.closest(".form-row").addEventListener("click", () => setTimeout(update, 0));
    update();
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
