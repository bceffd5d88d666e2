// Autosave of the desk's article form, and the unsaved-changes warning.
//
// Drafts live in this browser's localStorage, one per person and form
// (jianbao.draft/<user>/<article-…|new-…|correct-…>), with the version the form
// was opened on and the time. Not on the server: there is no draft model, and
// the shared history (core.history) is append-only and for changes people made,
// not for keystrokes every few seconds. The cost: a draft does not follow the
// editor to another browser. A draft written on an older version than the one
// saved is flagged, and restoring it puts that older version back in the form:
// the save then meets the desk's own check (EditConflict), which shows what was
// changed meanwhile and keeps what was typed, so nothing is overwritten unseen.
//
// A draft is written a moment after typing stops, at most every few seconds,
// and when the page is left. On the next visit the form offers it
// ("恢复未保存的草稿（保存于 HH:MM）"), flagged when the article was saved again
// since. A save that went through clears it: the form notes what it sends
// (sessionStorage); the page that follows shows the saved versions
// (data-autosave-versions on the issue page); a form shown again means the
// save did not go through, and the draft stays.
//
// A static file, not an inline script: the CSP is script-src 'self'.
;(function () {
  "use strict"
  if (window.jianbaoAutosave) {
    window.jianbaoAutosave.setUpAll(document)
    return
  }

  const PREFIX = "jianbao.draft/"
  const SENT = "jianbao.draft-sent"
  const QUIET_MS = 1500
  const EVERY_MS = 5000
  const forms = []

  const store = {
    get(key) {
      try {
        const value = JSON.parse(window.localStorage.getItem(key) || "null")
        return value && value.fields ? value : null
      } catch (_exc) {
        return null
      }
    },
    set(key, value) {
      try {
        window.localStorage.setItem(key, JSON.stringify(value))
        return true
      } catch (_exc) {
        // Full or forbidden (private mode): the warning on leaving still protects.
        return false
      }
    },
    remove(key) {
      try {
        window.localStorage.removeItem(key)
      } catch (_exc) {
        /* nothing stored, nothing to remove */
      }
    },
  }

  const two = (n) => String(n).padStart(2, "0")
  function when(ms) {
    const d = new Date(ms)
    const now = new Date()
    const time = `${two(d.getHours())}:${two(d.getMinutes())}`
    return d.toDateString() === now.toDateString()
      ? time
      : `${d.getMonth() + 1}月${d.getDate()}日 ${time}`
  }

  const SKIPPED = new Set(["csrfmiddlewaretoken", "version", "body_format"])

  function editorOf(form) {
    const rich = form.querySelector("[data-rich-body]")
    return rich && rich.deskEditor ? rich.deskEditor : null
  }

  // As desk-editor.js's textarea gets it: an empty paragraph is no text.
  function editorHtml(editor) {
    const html = editor.getHTML()
    return /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html
  }

  class AutosavedForm {
    constructor(form) {
      this.form = form
      this.key = `${PREFIX}${form.dataset.autosaveUser || "0"}/${form.dataset.autosave}`
      const version = form.querySelector("input[name=version]")
      this.version = Number(version && version.value) || 0
      // A form shown again with errors holds what was typed and not saved.
      this.unsaved = form.dataset.autosaveErrors === "1"
      this.submitting = false
      this.offer = null
      this.lastSaved = null
      this.timer = null
    }

    get mode() {
      return editorOf(this.form) ? "rich" : "plain"
    }

    fields() {
      const editor = editorOf(this.form)
      const values = {}
      for (const el of this.form.elements) {
        if (!el.name || el.disabled || SKIPPED.has(el.name)) continue
        if (el.type === "file" || el.type === "submit" || el.type === "button") continue
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) continue
        values[el.name] = el.name === "body_html" && editor ? editorHtml(editor) : el.value
      }
      return values
    }

    same(a, b) {
      return JSON.stringify(a) === JSON.stringify(b)
    }

    get dirty() {
      return this.unsaved || !this.same(this.fields(), this.loaded)
    }

    start() {
      this.loaded = this.fields()
      // Typed while the editor was still being set up: not what was loaded.
      if (this.early) {
        this.unsaved = true
        this.changed()
      }
      this.status = document.createElement("p")
      this.status.className = "help autosave-status"
      const actions = this.form.querySelector(".actions")
      if (actions) actions.after(this.status)
      else this.form.append(this.status)
      this.offerDraft()
      const changed = () => this.changed()
      this.form.addEventListener("input", changed)
      this.form.addEventListener("change", changed)
      this.form.addEventListener("submit", (event) => {
        this.sending()
        // A "no" to a confirmation (core/confirm.js, later on the page) keeps the
        // page; htmx prevents the browser's submit too, and sends it itself.
        window.setTimeout(() => {
          if (event.defaultPrevented && !this.form.hasAttribute("hx-post")) this.submitting = false
        }, 0)
      })
      // htmx keeps the page when the request fails outright: warn again. (Not
      // "successful", which htmx leaves unset when it reloads for HX-Refresh.)
      this.form.addEventListener("htmx:afterRequest", (event) => {
        const status = event.detail.xhr ? event.detail.xhr.status : 0
        if (status === 0 || status >= 400) this.submitting = false
      })
      this.interval = window.setInterval(() => this.save(), EVERY_MS)
    }

    changed() {
      window.clearTimeout(this.timer)
      this.timer = window.setTimeout(() => this.save(), QUIET_MS)
    }

    save() {
      if (this.offer || this.submitting || !this.form.isConnected) return
      const fields = this.fields()
      if (this.lastSaved && this.same(fields, this.lastSaved)) return
      if (!this.unsaved && this.same(fields, this.loaded)) {
        if (this.lastSaved) store.remove(this.key)
        this.lastSaved = null
        this.status.textContent = ""
        return
      }
      const savedAt = Date.now()
      const draft = { version: this.version, savedAt, mode: this.mode, fields }
      if (store.set(this.key, draft)) {
        this.lastSaved = fields
        this.status.textContent = `草稿已自动保存在本浏览器（${when(savedAt)}）`
      }
    }

    sending() {
      this.save()
      this.submitting = true
      try {
        window.sessionStorage.setItem(SENT, JSON.stringify({ key: this.key, version: this.version }))
      } catch (_exc) {
        /* the draft then stays until the next visit shows it is saved */
      }
    }

    offerDraft() {
      const draft = store.get(this.key)
      if (!draft) return
      const fields = this.fields()
      if (this.same(draft.fields, fields)) {
        // What the form shows already: saved, or shown again after a refused save.
        if (!this.unsaved) store.remove(this.key)
        return
      }
      const box = document.createElement("div")
      box.className = "card draft-offer"
      box.setAttribute("role", "region")
      box.setAttribute("aria-label", "未保存的草稿")
      const saidAt = `（保存于 ${when(draft.savedAt)}）`
      const text = document.createElement("p")
      text.textContent = `本浏览器里有这篇文章一份未保存的草稿${saidAt}。决定恢复或放弃之前，新的修改不会自动保存。`
      box.append(text)
      if (draft.version && this.version && draft.version < this.version) {
        const stale = document.createElement("p")
        stale.className = "warning"
        stale.dataset.draftStale = ""
        stale.textContent =
          `注意：这份草稿写于第${draft.version}版，文章之后已保存为第${this.version}版（可能是其他编辑改的）。` +
          "恢复后保存时，系统会列出之后的修改供您核对，核对后再保存一次即可。"
        box.append(stale)
      }
      const actions = document.createElement("p")
      actions.className = "actions"
      const base = this.form.getAttribute("action") || window.location.pathname
      // A draft written in the other editor: its body cannot be put into this one.
      const fits = Object.keys(draft.fields).every((name) => name in fields)
      if (!fits) {
        const link = document.createElement("a")
        if ("body_html" in draft.fields) {
          link.href = base.split("?")[0]
          link.textContent = "回到富文本编辑器恢复草稿"
        } else {
          link.href = `${base.split("?")[0]}?plain=1`
          link.textContent = "改用纯文本编辑后恢复草稿"
        }
        link.className = "button"
        actions.append(link)
      } else {
        const restore = document.createElement("button")
        restore.type = "button"
        restore.className = "primary"
        restore.textContent = `恢复未保存的草稿${saidAt}`
        restore.addEventListener("click", () => this.restore(draft))
        actions.append(restore, " ")
      }
      const discard = document.createElement("button")
      discard.type = "button"
      discard.textContent = "放弃草稿"
      discard.addEventListener("click", () => {
        if (!window.confirm(`放弃${saidAt}的草稿？放弃后无法找回。`)) return
        store.remove(this.key)
        this.closeOffer("已放弃草稿")
      })
      actions.append(discard)
      box.append(actions)
      this.offer = box
      this.form.prepend(box)
    }

    closeOffer(message) {
      if (!this.offer) return
      this.offer.remove()
      this.offer = null
      this.status.textContent = message
    }

    restore(draft) {
      const editor = editorOf(this.form)
      for (const [name, value] of Object.entries(draft.fields)) {
        const el = this.form.elements[name]
        if (!el || el.disabled || typeof el.value !== "string") continue
        if (name === "body_html" && editor) {
          editor.commands.setContent(value)
          el.value = editorHtml(editor)
        } else {
          el.value = value
        }
        el.dispatchEvent(new Event("input", { bubbles: true }))
      }
      // An older draft is saved as what it is: an edit of that older version.
      const version = this.form.querySelector("input[name=version]")
      if (version && draft.version && draft.version < this.version) {
        version.value = String(draft.version)
      }
      this.lastSaved = null
      this.closeOffer("")
      this.save()
      this.status.textContent = `已恢复${when(draft.savedAt)}的草稿，请检查后保存`
      const first = this.form.querySelector("input[name=title]")
      if (first) first.focus()
    }
  }

  // Drafts nobody came back to in a month (an article deleted, a form abandoned)
  // are not kept for ever in this browser.
  const KEEP_MS = 30 * 24 * 3600 * 1000
  function forgetOld() {
    try {
      const now = Date.now()
      for (let i = window.localStorage.length - 1; i >= 0; i--) {
        const key = window.localStorage.key(i)
        if (!key || !key.startsWith(PREFIX)) continue
        const draft = store.get(key)
        if (!draft || !(now - draft.savedAt < KEEP_MS)) store.remove(key)
      }
    } catch (_exc) {
      /* no storage: nothing kept */
    }
  }

  // A save sent from the page before this one: kept, or shown again?
  function settleSent() {
    let sent = null
    try {
      sent = JSON.parse(window.sessionStorage.getItem(SENT) || "null")
      window.sessionStorage.removeItem(SENT)
    } catch (_exc) {
      return
    }
    if (!sent || !sent.key) return
    const again = [...document.querySelectorAll("form[data-autosave]")].some(
      (form) => `${PREFIX}${form.dataset.autosaveUser || "0"}/${form.dataset.autosave}` === sent.key,
    )
    if (again) return
    const page = document.querySelector("[data-autosave-versions]")
    if (!page) return // e.g. the login page after a lapsed session: keep the draft
    let versions = {}
    try {
      versions = JSON.parse(page.dataset.autosaveVersions || "{}")
    } catch (_exc) {
      return
    }
    const kind = sent.key.split("/").pop()
    const id = kind.split("-").pop()
    const kept = kind.startsWith("new-") || (id in versions && versions[id] > sent.version)
    if (kept) store.remove(sent.key)
  }

  function setUp(form) {
    if (form.autosave) return
    const autosaved = new AutosavedForm(form)
    form.autosave = autosaved
    forms.push(autosaved)
    form.addEventListener("input", () => {
      if (!autosaved.loaded) autosaved.early = true
    })
    const rich = form.querySelector("[data-rich-body]")
    // The rich editor is a module set up on its own time; wait for it (or give up
    // after a few seconds: the plain textarea is then what the form posts).
    let tries = 0
    const ready = () => {
      if (!rich || rich.deskEditor || tries++ > 250) autosaved.start()
      else window.setTimeout(ready, 20)
    }
    ready()
  }

  function setUpAll(root) {
    for (const form of root.querySelectorAll("form[data-autosave]")) setUp(form)
  }

  function leaving() {
    for (const f of forms) if (f.loaded) f.save()
  }

  window.addEventListener("beforeunload", (event) => {
    leaving()
    const unsaved = forms.some((f) => f.loaded && f.form.isConnected && !f.submitting && f.dirty)
    if (unsaved) {
      event.preventDefault()
      event.returnValue = ""
    }
  })
  window.addEventListener("pagehide", leaving)
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") leaving()
  })
  document.addEventListener("htmx:load", (event) => setUpAll(event.detail.elt))

  window.jianbaoAutosave = { setUpAll }
  forgetOld()
  settleSent()
  setUpAll(document)
})()
