// archprep: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const typing = (el) =>
    el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));

  // ---- theme: flip light/dark, remember it in a cookie the server reads on the next page ----
  function effectiveTheme() {
    const set = document.documentElement.dataset.theme;
    if (set === "light" || set === "dark") return set;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  $$("[data-theme-toggle]").forEach((button) => {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      const next = effectiveTheme() === "dark" ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      document.cookie = "archprep_theme=" + next + "; path=/; max-age=31536000; samesite=lax";
      const choice = button.form && button.form.elements.namedItem("choice");
      if (choice) choice.value = next === "dark" ? "light" : "dark";
    });
  });

  // ---- global keys: "/" focuses search; Escape closes menus ----
  document.addEventListener("keydown", (event) => {
    if (event.key === "/" && !typing(document.activeElement) && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      const box = $("#q");
      if (box) {
        box.focus();
        box.select();
      } else {
        window.location.href = "/search";
      }
    }
    if (event.key === "Escape") $$("details.menu[open]").forEach((d) => d.removeAttribute("open"));
    // u on the flashcards page: undo the last rating (the server restores the card exactly).
    const undo = $("form[data-undo-form]");
    if (undo && event.key === "u" && !typing(document.activeElement) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      undo.requestSubmit();
    }
  });
  document.addEventListener("click", (event) => {
    $$("details.menu[open]").forEach((d) => {
      if (!d.contains(event.target)) d.removeAttribute("open");
    });
  });

  // ---- a button with data-confirm asks first (ending a whole mock is one click otherwise) ----
  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });

  // ---- filters submit on change; "expand all" opens every answer ----
  $$("select[data-autosubmit]").forEach((select) =>
    select.addEventListener("change", () => select.form.submit())
  );
  $$("[data-expand-all]").forEach((button) => {
    button.addEventListener("click", () => {
      const items = $$("details.qitem");
      const open = items.some((d) => !d.open);
      items.forEach((d) => (d.open = open));
      button.textContent = open ? "Collapse all" : "Expand all";
    });
  });

  // ---- copy buttons on code blocks ----
  if (navigator.clipboard) {
    $$(".prose pre").forEach((pre) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "copy-btn";
      button.textContent = "Copy";
      button.addEventListener("click", () => {
        navigator.clipboard.writeText(pre.innerText.replace(/Copy(ied)?$/, "").trimEnd()).then(() => {
          button.textContent = "Copied";
          setTimeout(() => (button.textContent = "Copy"), 1500);
        });
      });
      pre.appendChild(button);
    });
  }

  // ---- live search: the same search through /api/search as the user types ----
  function highlightInto(node, text, words) {
    node.textContent = "";
    const terms = (words || []).filter((w) => w.trim()).sort((a, b) => b.length - a.length);
    if (!terms.length) {
      node.textContent = text;
      return;
    }
    const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    const pattern = new RegExp("(?<![\\w])(" + escaped.join("|") + ")(?![\\w])", "gi");
    let last = 0;
    text.replace(pattern, (match, _g, offset) => {
      node.appendChild(document.createTextNode(text.slice(last, offset)));
      const mark = document.createElement("mark");
      mark.textContent = match;
      node.appendChild(mark);
      last = offset + match.length;
      return match;
    });
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const liveForm = $("form[data-live-search]");
  if (liveForm && window.fetch) {
    const input = $("#q", liveForm);
    const results = $("#results");
    const status = $("#search-status");
    const template = $("#hit-template");
    const titles = JSON.parse(liveForm.dataset.titles || "{}");
    const title = (c) => titles[c] || c.replace(/-/g, " ");
    let timer = null;
    let controller = null;
    let seq = 0;

    const render = (data, query) => {
      results.textContent = "";
      if (data.hits.length) {
        const list = el("ol", { class: "hits" });
        data.hits.forEach((hit) => {
          const item = template.content.firstElementChild.cloneNode(true);
          const link = $(".hit-title", item);
          link.setAttribute("href", hit.url);
          highlightInto(link, hit.question, hit.matched);
          highlightInto($(".hit-snippet", item), hit.snippet, hit.matched);
          const badges = $$(".badge", item);
          badges[0].textContent = title(hit.category);
          badges[1].textContent = hit.level;
          badges[1].className = "badge level-" + hit.level;
          const kind = hit.kind.replace(/-/g, " ");
          badges[2].textContent = kind.charAt(0).toUpperCase() + kind.slice(1);
          if (hit.deck !== "builtin") badges[2].after(el("span", { class: "badge deck" }, hit.deck));
          list.appendChild(item);
        });
        results.appendChild(list);
        status.textContent = data.hits.length + (data.hits.length === 1 ? " result" : " results") +
          " for “" + query + "”" + (data.notice ? " · " + data.notice : "");
        return;
      }
      const box = el("div", { class: "empty no-results" });
      box.appendChild(el("p", { class: "empty-title" }, "No questions match “" + query + "”"));
      if (data.suggestions && data.suggestions.length) {
        const p = el("p", {}, "Did you mean ");
        const a = el("a", { href: "/search?q=" + encodeURIComponent(data.suggestions[0]) }, data.suggestions[0]);
        a.addEventListener("click", (e) => {
          e.preventDefault();
          input.value = data.suggestions[0];
          run();
        });
        p.append(a, "?");
        box.appendChild(p);
      }
      if (data.near_categories && data.near_categories.length) {
        box.appendChild(el("p", { class: "muted" }, "Closest categories:"));
        const chips = el("p", { class: "chips" });
        data.near_categories.forEach((c) =>
          chips.appendChild(el("a", { class: "chip", href: "/browse/" + encodeURIComponent(c) }, title(c)))
        );
        box.appendChild(chips);
      }
      box.appendChild(el("p", { class: "muted small" },
        "Try fewer words, describe the situation instead of the term, or clear the filters."));
      results.appendChild(box);
      status.textContent = "0 results";
    };

    const run = () => {
      const params = new URLSearchParams(new FormData(liveForm));
      for (const [k, v] of Array.from(params.entries())) if (!v) params.delete(k);
      const query = (params.get("q") || "").trim();
      history.replaceState(null, "", "/search" + (params.toString() ? "?" + params : ""));
      if (!query) return;
      if (controller) controller.abort();
      controller = new AbortController();
      const mine = ++seq;
      params.set("limit", "20");
      results.classList.add("loading");
      fetch("/api/search?" + params, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller.signal,
      })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status))))
        .then((data) => {
          if (mine === seq) render(data, query);
        })
        .catch((err) => {
          if (err.name !== "AbortError") status.textContent = "Search failed: " + err.message;
        })
        .finally(() => {
          if (mine === seq) results.classList.remove("loading");
        });
    };
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(run, 180);
    };
    input.addEventListener("input", later);
    // With no query the server lists what the filters match: let it draw the new list.
    const filtersChanged = () => {
      if (input.value.trim()) return run();
      const params = new URLSearchParams(new FormData(liveForm));
      for (const [k, v] of Array.from(params.entries())) if (!v) params.delete(k);
      window.location.assign("/search" + (params.toString() ? "?" + params : ""));
    };
    $$("select", liveForm).forEach((s) => s.addEventListener("change", filtersChanged));
    liveForm.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      run();
    });
  }

  // ---- flashcards: Space/Enter reveals, 1-4 rates (the form posts to the server) ----
  // Only the number keys rate: a second Space or Enter (or a held key) must not rate a card
  // whose answer was never read, and a form is sent once (the server also drops a repeat).
  const card = $("[data-flashcard]");
  if (card) {
    const shownAt = Date.now();
    const answer = $("[data-answer]", card);
    const form = $("[data-rate-form]", card);
    let sent = false;
    const reveal = () => {
      if (!answer.open) {
        answer.open = true;
        const prompt = $(".rate-prompt", form);
        if (prompt) {
          prompt.tabIndex = -1;
          prompt.focus({ preventScroll: true });
        }
      }
    };
    form.addEventListener("submit", (event) => {
      if (sent) {
        event.preventDefault();
        return;
      }
      sent = true;
      $("[data-duration]", form).value = String(Date.now() - shownAt);
    });
    // Back to this page from the browser's cache: the form may be used again (the server
    // still drops a rating of a card reviewed since).
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) sent = false;
    });
    document.addEventListener("keydown", (event) => {
      if (typing(document.activeElement) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === " " || event.key === "Enter") {
        const onControl = /^(BUTTON|A|SUMMARY)$/.test((document.activeElement || {}).tagName || "");
        if (!answer.open) {
          event.preventDefault();
          reveal();
        } else if (event.repeat || !onControl || document.activeElement === $("[data-reveal]", card)) {
          event.preventDefault(); // not a rating, and not a collapse of the answer just opened
        }
        return;
      }
      if (answer.open && !event.repeat && /^[1-4]$/.test(event.key)) {
        const button = $('button[data-key="' + event.key + '"]', form);
        if (button && !sent) {
          event.preventDefault();
          button.classList.add("pressed");
          form.requestSubmit(button);
        }
      }
    });
  }

  // ---- practice: a visible timer, the duration sent with the answer, Ctrl+Enter submits ----
  const practice = $("form[data-practice]");
  if (practice) {
    const started = Date.now();
    const clock = $("[data-timer]");
    const limit = Number(clock ? clock.dataset.limit : 0) || 0;
    const area = $("textarea", practice);
    const counter = $("[data-word-count]");
    const tick = () => {
      const s = Math.floor((Date.now() - started) / 1000);
      if (clock) {
        $("[data-clock]", clock).textContent =
          Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
        clock.classList.toggle("over", limit > 0 && s > limit);
      }
    };
    tick();
    setInterval(tick, 1000);
    if (area && counter) {
      const count = () => {
        const n = (area.value.match(/\S+/g) || []).length;
        counter.textContent = n + (n === 1 ? " word" : " words");
      };
      area.addEventListener("input", count);
      count();
    }
    let grading = false;
    const submit = $('button[type="submit"]', practice);
    const label = submit ? Array.from(submit.childNodes, (n) => n.cloneNode(true)) : [];
    practice.addEventListener("submit", (event) => {
      if (grading) {
        event.preventDefault(); // sent once: grading (an LLM judge, say) can take a while
        return;
      }
      grading = true;
      const field = practice.elements.namedItem("duration_s");
      if (field) field.value = ((Date.now() - started) / 1000).toFixed(1);
      if (submit) {
        submit.setAttribute("aria-disabled", "true");
        submit.textContent = "Grading…";
      }
    });
    window.addEventListener("pageshow", (event) => {
      if (event.persisted && grading && submit) {
        grading = false; // back from the feedback page: the form is live again
        submit.removeAttribute("aria-disabled");
        submit.replaceChildren(...label.map((n) => n.cloneNode(true)));
      }
    });
    practice.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        practice.requestSubmit();
      }
    });
  }

  // ---- import: drag and drop onto the file picker ----
  $$("[data-drop]").forEach((zone) => {
    const input = $("input[type=file]", zone);
    const name = $("[data-file-name]", zone);
    const show = () => {
      if (name && input.files.length) name.textContent = input.files[0].name;
    };
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach((t) =>
      zone.addEventListener(t, (e) => {
        e.preventDefault();
        zone.classList.add("over");
      })
    );
    ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, () => zone.classList.remove("over")));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      if (e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        show();
      }
    });
  });

  // ---- "jump to the answer" opens it first ----
  $$("[data-reveal-answer]").forEach((link) =>
    link.addEventListener("click", () => {
      const target = $("#answer");
      if (target) target.open = true;
    })
  );
})();

// ---- mock interviews (routes/mock.py): a timer from the server's clock, checkpoints, autosave ----
(function () {
  "use strict";
  const form = document.querySelector("form[data-mock]");
  if (!form) return;
  const timer = form.querySelector("[data-mock-timer]");
  const area = form.querySelector("textarea");
  const counter = form.querySelector("[data-word-count]");
  const loaded = Date.now();
  const elapsed0 = Number(timer && timer.dataset.elapsed) || 0;
  const budget = Number(timer && timer.dataset.budget) || 0;
  const checkpoint = timer && timer.dataset.checkpoint ? Number(timer.dataset.checkpoint) : null;
  const mmss = (s) => Math.floor(s / 60) + ":" + String(Math.floor(s % 60)).padStart(2, "0");
  const tick = () => {
    if (!timer) return;
    const s = elapsed0 + (Date.now() - loaded) / 1000;
    timer.querySelector("[data-clock]").textContent = mmss(s);
    timer.classList.toggle("over", budget > 0 && s > budget);
    timer.classList.toggle("behind", checkpoint !== null && s > checkpoint && s <= budget);
  };
  tick();
  setInterval(tick, 1000);
  const count = () => {
    if (!counter || !area) return;
    const n = (area.value.match(/\S+/g) || []).length;
    counter.textContent = n + (n === 1 ? " word" : " words");
  };
  if (area) area.addEventListener("input", count);
  count();
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit(form.querySelector('button[value="answer"]'));
    }
  });
  // What is typed survives a closed window: saved every few seconds and when the page goes.
  const url = form.dataset.draftUrl;
  let saved = area ? area.value : "";
  const draft = () => {
    const data = new FormData();
    data.append("csrf_token", form.elements.namedItem("csrf_token").value);
    data.append("answer", area.value);
    return data;
  };
  let submitting = false;
  form.addEventListener("submit", () => (submitting = true));
  if (url && area && window.fetch) {
    setInterval(() => {
      if (submitting || area.value === saved) return;
      const value = area.value;
      fetch(url, { method: "POST", body: draft(), credentials: "same-origin" }).then((r) => {
        if (r.ok) saved = value;
      });
    }, 5000);
    window.addEventListener("pagehide", () => {
      if (!submitting && area.value !== saved && navigator.sendBeacon) navigator.sendBeacon(url, draft());
    });
  }
})();
// ---- end mock interviews ----
