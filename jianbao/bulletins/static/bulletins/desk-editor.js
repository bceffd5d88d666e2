// The desk's rich-text editor: django-prose-editor's Tiptap build, served from
// the app's own static files and set up here without an import map (the page's
// CSP allows scripts from 'self' only). What it posts is HTML that the server
// converts into the content shape through a strict allowlist
// (publishing/ingest/html.py); nothing here is trusted.
import {
  Blockquote,
  Bold,
  Caption,
  createTextareaEditor,
  Document,
  Dropcursor,
  Extension,
  Figure,
  Gapcursor,
  HardBreak,
  Heading,
  History,
  Image,
  Italic,
  Link,
  Menu,
  Paragraph,
  Plugin,
  Table,
  TableCell,
  TableHeader,
  TableRow,
  Text,
} from "../django_prose_editor/editor.js"

// Chinese names for the toolbar's buttons, by menu item name.
const LABELS = {
  heading3: "小标题（一、）",
  heading4: "小标题（（一））",
  paragraph: "正文段落",
  blockquote: "编者按",
  figure: "上传图片",
  bold: "加粗",
  italic: "倾斜",
  link: "链接",
  unlink: "去掉链接",
  table: "插入表格",
  "table:addColumnAfter": "右侧加一列",
  "table:deleteColumn": "删除本列",
  "table:addRowAfter": "下方加一行",
  "table:deleteRow": "删除本行",
  "table:mergeCells": "合并单元格",
  "table:splitCell": "拆分单元格",
  "table:toggleHeaderCell": "设为表头／取消表头",
  "table:deleteTable": "删除表格",
  "history:undo": "撤销",
  "history:redo": "重做",
}

// The picture name and size the server gave, kept by the image node; the
// print width set elsewhere travels through the editor untouched.
const Picture = Image.extend({
  addAttributes() {
    return {
      ...this.parent?.(),
      printWidth: {
        default: null,
        parseHTML: (el) => el.getAttribute("data-print-width"),
        renderHTML: (attrs) =>
          attrs.printWidth ? { "data-print-width": attrs.printWidth } : {},
      },
    }
  },
})

const imageFiles = (list) =>
  [...(list || [])].filter((f) => f.type && f.type.startsWith("image/"))

// A data: URI as a file, without fetch() (the CSP's connect-src is 'self').
function dataUriFile(src) {
  const comma = src.indexOf(",")
  const head = src.slice(0, comma)
  const data = src.slice(comma + 1)
  const type = (head.match(/^data:([^;,]+)/) || [])[1] || "image/png"
  const bytes = head.includes(";base64")
    ? Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
    : new TextEncoder().encode(decodeURIComponent(data))
  const ext = (type.split("/")[1] || "png").replace("jpeg", "jpg")
  return new File([bytes], `粘贴的图片.${ext}`, { type })
}

// What Word says with paragraph styles, said with tags before the editor reads a
// paste: a short 一、/（一） line is a heading (the desk's rule, as the server's),
// and a 图为… line under a picture is its caption.
const HEADING =
  /^(?:[一二三四五六七八九十百]+[、．.]|[（(][一二三四五六七八九十百]+[)）]|\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[)）])/
const CAPTION = /^(?:[（(]\s*图|[上下左右]?图\s*[为：:\d一二三四五六七八九十]|图\s+\S)/

const CJK = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]/
const WRAP = /(\S)[ \t]*[\r\n]+[ \t]*(?=(\S))/g

function fromWord(html) {
  if (!/class=["']?Mso/i.test(html)) return html
  const doc = new DOMParser().parseFromString(html, "text/html")
  const text = (el) => el.textContent.replace(/\s+/g, "").replace(/^\u3000+/, "")
  // Word wraps its HTML source between Chinese characters: not a space.
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT)
  while (walker.nextNode()) {
    walker.currentNode.data = walker.currentNode.data.replace(WRAP, (_run, before, after) =>
      CJK.test(before) || CJK.test(after) ? before : `${before} `,
    )
  }
  for (const p of doc.querySelectorAll("p[class^=Mso]")) {
    const words = text(p)
    if (p.closest("td, th") || !words || words.length > 40 || /[。！？；]$/.test(words)) continue
    if (HEADING.test(words) && !p.querySelector("img")) {
      const heading = doc.createElement(/^[一二三四五六七八九十百]+[、．.]/.test(words) ? "h3" : "h4")
      heading.append(...p.childNodes)
      p.replaceWith(heading)
    } else if (CAPTION.test(words)) {
      const before = p.previousElementSibling
      const img = before && !text(before) ? before.querySelector("img") : null
      if (img) {
        const figure = doc.createElement("figure")
        const caption = doc.createElement("figcaption")
        caption.textContent = p.textContent.trim()
        figure.append(img, caption)
        before.replaceWith(figure)
        p.remove()
      }
    }
  }
  return doc.body.innerHTML
}

const hasText = (html) =>
  !!html &&
  new DOMParser()
    .parseFromString(html, "text/html")
    .body.textContent.replace(/\s+/g, "").length > 0

// Upload button, drop and paste of picture files; pictures that came with
// pasted HTML are adopted (data: URIs uploaded) or reported.
const Pictures = Extension.create({
  name: "deskPictures",

  addOptions() {
    return { pick: null, onFiles: null, afterPaste: null }
  },

  addMenuItems({ menu, buttons }) {
    menu.defineItem({
      name: "figure",
      groups: "nodes",
      command: () => this.options.pick?.(),
      button: buttons.material("add_photo_alternate", LABELS.figure),
    })
  },

  addProseMirrorPlugins() {
    const options = this.options
    return [
      new Plugin({
        props: {
          transformPastedHTML: fromWord,
          handlePaste(_view, event) {
            const data = event.clipboardData
            if (!data) return false
            const html = data.getData("text/html")
            const files = imageFiles(data.files)
            // Word also offers a picture of the whole selection: its text wins.
            if (files.length && !hasText(html)) {
              options.onFiles(files, null)
              return true
            }
            if (html && /<img/i.test(html)) setTimeout(() => options.afterPaste(), 0)
            return false
          },
          handleDrop(view, event, _slice, moved) {
            const files = imageFiles(event.dataTransfer?.files)
            if (moved || !files.length) return false
            event.preventDefault()
            const at = view.posAtCoords({ left: event.clientX, top: event.clientY })
            options.onFiles(files, at ? at.pos : null)
            return true
          },
        },
      }),
    ]
  },
})

function setUp(field) {
  if (field.dataset.ready) return
  field.dataset.ready = "1"
  const form = field.closest("form")
  const rich = field.querySelector(".rich-editor")
  const plain = field.querySelector("[data-plain-body]")
  const textarea = rich.querySelector("textarea[data-desk-editor]")
  const input = rich.querySelector("input[data-picture-input]")
  const status = rich.querySelector("[data-rich-status]")
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value
  const url = field.dataset.uploadUrl

  const say = (text, { error = false } = {}) => {
    status.textContent = text
    status.classList.toggle("error", error)
    status.setAttribute("role", error ? "alert" : "status")
  }

  const maxBytes = Number(field.dataset.maxBytes) || 0
  const megabytes = (n) => `${(n / 1048576).toFixed(1)} MB`

  async function upload(file) {
    const name = file.name || "粘贴的图片"
    if (maxBytes && file.size > maxBytes) {
      // Said here, before a long upload the server would refuse.
      throw new Error(`“${name}”有 ${megabytes(file.size)}，图片不能超过 ${megabytes(maxBytes)}`)
    }
    const body = new FormData()
    body.append("file", file, name)
    const response = await fetch(url, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": csrf },
      credentials: "same-origin",
    })
    const type = response.headers.get("content-type") || ""
    if (type.startsWith("application/json")) {
      const data = await response.json()
      if (response.ok) return data
      throw new Error(data.error)
    }
    // The size limit answers in plain Chinese before the view runs; other pages, by status.
    const said = type.startsWith("text/plain") ? await response.text() : ""
    throw new Error(`“${name}”未能上传：${said || `服务器答复 ${response.status}`}`)
  }

  const figure = (data) => ({
    type: "figure",
    content: [
      {
        type: "image",
        attrs: { src: data.url, alt: "", file: data.name, width: data.width, height: data.height },
      },
      { type: "caption" },
    ],
  })

  let editor = null

  async function onFiles(files, pos) {
    for (const file of files) {
      say(`正在上传“${file.name || "粘贴的图片"}”…`)
      try {
        const data = await upload(file)
        const chain = editor.chain().focus()
        ;(pos == null ? chain.insertContent(figure(data)) : chain.insertContentAt(pos, figure(data))).run()
        pos = null
        say(`已上传“${file.name || "粘贴的图片"}”，请在图片下方写图注（图为…）`)
      } catch (exc) {
        say(exc.message, { error: true })
      }
    }
  }

  function replaceImage(src, data) {
    const { tr } = editor.state
    editor.state.doc.descendants((node, at) => {
      if (node.type.name === "image" && node.attrs.src === src && !node.attrs.file) {
        tr.setNodeMarkup(at, null, {
          ...node.attrs,
          src: data.url,
          file: data.name,
          width: data.width,
          height: data.height,
        })
      }
    })
    editor.view.dispatch(tr)
  }

  async function afterPaste() {
    const orphans = []
    editor.state.doc.descendants((node) => {
      if (node.type.name === "image" && !node.attrs.file) orphans.push(node.attrs.src || "")
    })
    let missing = 0
    for (const src of new Set(orphans)) {
      if (!src.startsWith("data:image/")) {
        missing += 1
        continue
      }
      try {
        say("正在上传粘贴的图片…")
        replaceImage(src, await upload(dataUriFile(src)))
        say("已上传粘贴的图片，请在图片下方写图注（图为…）")
      } catch (exc) {
        missing += 1
        say(exc.message, { error: true })
      }
    }
    if (missing) {
      say(
        `有${missing}张图片未能随粘贴带来（Word 中的本地图片或其他网站的图片），保存时会略去：` +
          "请用“上传图片”重新添加",
        { error: true },
      )
    }
  }

  field.querySelector("[data-picture-button]").addEventListener("click", () => input.click())
  input.addEventListener("change", () => {
    onFiles(imageFiles(input.files), null)
    input.value = ""
  })

  editor = createTextareaEditor(textarea, [
    Document,
    Paragraph,
    Text,
    HardBreak,
    Bold,
    Italic,
    Link.configure({ enableTarget: false, protocols: ["http", "https", "mailto"] }),
    // 一、 and （一）: the bulletin's two heading levels.
    Heading.configure({ levels: [3, 4] }),
    Blockquote,
    Table,
    TableRow,
    TableHeader,
    TableCell,
    Figure,
    Caption,
    // data: URIs are kept long enough to be uploaded (afterPaste).
    Picture.configure({ allowBase64: true }),
    History,
    Dropcursor,
    Gapcursor,
    Menu,
    Pictures.configure({ pick: () => input.click(), onFiles, afterPaste }),
  ])

  // Tiptap builds the toolbar once the editor is created (after this task).
  editor.on("create", () => {
    const wrapper = textarea.closest(".prose-editor")
    for (const button of wrapper.querySelectorAll(".prose-menubar__button[data-name]")) {
      const label = LABELS[button.dataset.name]
      if (label) {
        button.title = label
        button.setAttribute("aria-label", label)
      }
    }
    for (const option of wrapper.querySelectorAll(".prose-menubar__option[data-name]")) {
      const label = LABELS[option.dataset.name]
      if (label && option.firstElementChild) option.firstElementChild.textContent = label
    }
  })
  // The label's textarea is hidden now: a click on it goes to the editor.
  rich.querySelector("label").addEventListener("click", (event) => {
    event.preventDefault()
    editor.commands.focus()
  })
  editor.view.dom.setAttribute("aria-label", "正文")
  editor.view.dom.setAttribute("role", "textbox")
  editor.view.dom.setAttribute("aria-multiline", "true")

  // From here the form posts the editor's HTML; the markup textarea is left out.
  form.querySelector("input[name=body_format]").value = "html"
  const markup = plain.querySelector("textarea")
  if (markup) markup.disabled = true
  plain.hidden = true
  rich.hidden = false
  field.deskEditor = editor
}

function setUpAll(root) {
  for (const field of root.querySelectorAll("[data-rich-body]")) setUp(field)
}

setUpAll(document)
// The issue page swaps an article's form in with htmx.
document.addEventListener("htmx:load", (event) => setUpAll(event.detail.elt))
