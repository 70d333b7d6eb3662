// The rider's self-service page: posts the report to the same API the apps use
// (POST /v1/loss-reports, same rate limits and answers), then shows the report's liability
// statement from GET /v1/loss-reports/{reference} and refreshes it. The document number stays
// in this closure: never in the page, the address, storage or a log.
"use strict";
(function () {
  const body = document.body;
  const texts = JSON.parse(document.getElementById("texts").textContent);
  const lang = body.dataset.lang;
  const timeZone = body.dataset.timeZone;
  const refreshMs = Number(body.dataset.refreshSeconds) * 1000;
  const $ = (id) => document.getElementById(id);
  let current = null; // { reference, type, number }
  let timer = null;

  // Integer fen to yuan, without floating point.
  function money(fen) {
    const sign = fen < 0 ? "-" : "";
    const abs = Math.abs(fen);
    return sign + "¥" + Math.trunc(abs / 100) + "." + String(abs % 100).padStart(2, "0");
  }

  const timeFormat = new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    hour12: false,
  });
  const time = (iso) => timeFormat.format(new Date(iso));

  function say(text, ok) {
    const box = $("message");
    box.textContent = text;
    box.className = ok ? "ok" : "";
    box.hidden = !text;
  }

  async function call(method, path, headers, payload) {
    const response = await fetch(path, {
      method, headers: Object.assign({ "Accept": "application/json", "Accept-Language": lang }, headers),
      body: payload === undefined ? undefined : JSON.stringify(payload), cache: "no-store", credentials: "omit",
    });
    let answer = null;
    try { answer = await response.json(); } catch (e) { answer = null; }
    if (!response.ok) {
      const failure = new Error((answer && answer.message) || texts.failed);
      failure.code = answer && answer.code;
      failure.retryAfter = response.headers.get("Retry-After");
      throw failure;
    }
    return answer;
  }

  function failed(error) {
    let text = error.message || texts.failed;
    if (error.code === undefined) text = texts.offline;
    if (error.retryAfter) text += " " + texts.retryAfter.replace("{s}", error.retryAfter);
    say(text, false);
  }

  function show(detail) {
    const report = detail.report;
    $("s-reference").textContent = report.reference;
    $("s-card").textContent = report.cardNumber;
    $("s-state").textContent = texts.states[report.state] || report.state;
    $("s-reported").textContent = time(report.reportedAt);
    $("s-balance").textContent = money(report.balanceAtReportFen);
    $("s-propagation").textContent = detail.propagation.sentence;
    $("s-taps").textContent = texts.tapsSummary
      .replace("{n}", String(detail.tapsAfterCount)).replace("{amount}", money(detail.spentAfterFen));
    const list = $("s-tap-list");
    list.replaceChildren();
    for (const tap of detail.tapsAfter) {
      const item = document.createElement("li");
      item.textContent = time(tap.tappedAt) + " " + [tap.line, tap.station].filter(Boolean).join(" ") + " " + money(tap.amountFen);
      list.appendChild(item);
    }
    $("s-updated").textContent = texts.updated.replace("{time}", time(new Date().toISOString()))
      .replace("{s}", String(refreshMs / 1000));
    $("status").hidden = false;
    $("report").hidden = true;
  }

  async function refresh() {
    clearTimeout(timer);
    if (!current) return;
    try {
      const detail = await call("GET", "/v1/loss-reports/" + encodeURIComponent(current.reference), {
        "X-Tongka-Document-Type": current.type, "X-Tongka-Document-Number": current.number,
      });
      show(detail);
      timer = setTimeout(refresh, refreshMs);
    } catch (error) {
      failed(error);
      // A dropped connection retries; a refusal stops and shows the forms again.
      if (error.code === undefined) {
        timer = setTimeout(refresh, refreshMs);
      } else {
        current = null;
        $("status").hidden = true;
        $("report").hidden = false;
      }
    }
  }

  function follow(reference, type, number) {
    current = { reference, type, number };
    return refresh();
  }

  $("report-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const card = $("card").value.replace(/\s+/g, "");
    const type = $("doc-type").value;
    const number = $("doc-number").value.trim().toUpperCase();
    if (!/^[0-9]{19}$/.test(card)) return say(texts.cardFormat, false);
    if (!number) return say(texts.documentMissing, false);
    const button = event.submitter;
    if (button) button.disabled = true;
    say(texts.sending, true);
    try {
      const report = await call("POST", "/v1/loss-reports", { "Content-Type": "application/json" }, {
        cardNumber: card, documentType: type, documentNumber: number,
      });
      $("doc-number").value = "";
      say(report.existing ? texts.alreadyReported : texts.reported, true);
      await follow(report.reference, type, number);
    } catch (error) {
      failed(error);
    } finally {
      if (button) button.disabled = false;
    }
  });

  $("lookup-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const reference = $("reference").value.trim().toUpperCase();
    const type = $("lookup-doc-type").value;
    const number = $("lookup-doc-number").value.trim().toUpperCase();
    if (!reference || !number) return say(texts.lookupMissing, false);
    $("lookup-doc-number").value = "";
    say("", true);
    await follow(reference, type, number);
  });
})();
