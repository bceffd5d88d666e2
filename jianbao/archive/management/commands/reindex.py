from tqdm import tqdm

from jianbao.archive.search import index
from jianbao.core.commands import JianbaoCommand


class Command(JianbaoCommand):
    help = "重建全文检索索引"

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="不显示进度条")

    def handle(self, *args, quiet, **options):
        total = index.count_public_articles()
        with tqdm(total=total, unit="篇", disable=quiet, file=self.stderr._out) as bar:
            done = index.rebuild(progress=bar.update)
        self.stdout.write(f"已为 {done} 篇文章建立索引")
