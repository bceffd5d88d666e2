from jianbao.core.commands import JianbaoCommand
from jianbao.publishing import fonts


class Command(JianbaoCommand):
    help = (
        "列出 PDF 各处所用字体：角色 → 字体 → 文件，以及是单位字体（JIANBAO_FONT_DIR）"
        "还是免费替代字体"
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, format, **options):
        fonts.font_dirs()  # MissingFont names the Debian package to install
        folder = fonts.office_font_dir()
        rows = [
            {
                "role": face.role.key,
                "label": face.role.label,
                "customary": face.role.customary,
                "face": face.name,
                "family": face.family,
                "weight": face.weight,
                "file": face.file,
                "source": face.source,
            }
            for face in fonts.faces().values()
        ]
        if format == "json":
            self.write_json({"font_dir": str(folder) if folder else None, "roles": rows})
            return
        if folder:
            self.stdout.write(f"单位字体目录：{folder}")
        elif fonts.font_dir_setting():
            self.stdout.write(
                f"单位字体目录 {fonts.font_dir_setting()} 不存在，全部使用免费替代字体"
            )
        else:
            self.stdout.write("未设置单位字体目录（JIANBAO_FONT_DIR），全部使用免费替代字体")
        for row in rows:
            source = fonts.SOURCE_LABELS[row["source"]]
            self.stdout.write(
                f"{row['label']}（{row['customary']}）→ {row['face']}"
                f"（{source}）  {row['file'] or '—'}"
            )
        missing = [r["customary"] for r in rows if r["source"] == fonts.FALLBACK]
        if folder and missing:
            self.stdout.write(f"单位字体目录中没有：{'、'.join(missing)}，这些角色用免费替代字体")
