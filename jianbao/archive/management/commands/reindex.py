import os

from tqdm import tqdm

from jianbao.archive.search import index
from jianbao.core.commands import JianbaoCommand


class Command(JianbaoCommand):
    help = "重建全文检索索引"

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="不显示进度条")
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="进程数：一个写索引，其余读取并切分文章（默认 %(default)s）",
        )

    def handle(self, *args, quiet, jobs, **options):
        total = index.count_public_articles()
        with tqdm(total=total, unit="篇", disable=quiet, file=self.stderr._out) as bar:
            done = index.rebuild(progress=bar.update, jobs=jobs)
        self.stdout.write(f"已为 {done} 篇文章建立索引")
