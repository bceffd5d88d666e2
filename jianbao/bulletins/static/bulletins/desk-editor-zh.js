// Chinese words for the rich editor's dialogs. A classic script, so it runs
// before the editor module reads window.gettext; the page loads no other
// translation catalogue.
;(() => {
  if (window.gettext) return
  const words = {
    "Add caption": "添加图注",
    "Remove caption": "去掉图注",
    "Alternative Text": "替代文字（供读屏软件朗读）",
    Caption: "图注",
    Cancel: "取消",
    Columns: "列数",
    Rows: "行数",
    "Include header row": "第一行为表头",
    "Insert Table": "插入表格",
    "Table Properties": "插入表格",
    "Edit Link": "链接",
    URL: "网址（https://…）",
    Title: "提示文字",
    "Open in new window": "在新窗口打开",
    Insert: "插入",
    Update: "确定",
    "Edit Figure": "图片",
    "Edit Image": "图片",
    "Insert Figure": "插入图片",
    "Image URL": "图片地址",
    "Toggle fullscreen": "全屏",
  }
  window.gettext = (s) => words[s] || s
})()
