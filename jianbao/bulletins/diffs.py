"""What the reviewer compares: an article against what the alliance sent."""

from __future__ import annotations

import difflib

from jianbao.bulletins.models import Issue
from jianbao.bulletins.services import stored_block
from jianbao.publishing.markup import blocks_from_markup


def _reading(blocks) -> list[str]:
    return [line for b in blocks for line in b.plain_text.splitlines()]


def attach_submission_diffs(issue: Issue) -> None:
    """For the reviewer: each article's text against what the alliance sent.

    Sets ``submission_diff`` on the prefetched articles the page lists.
    """
    for section in issue.sections.all():
        for article in section.articles.all():
            submission = next(iter(article.submissions.all()), None)
            if submission is None:
                continue
            # Both sides as readers read them (captions, table rows), not as markup.
            sent, _ = blocks_from_markup(submission.body)
            before = [submission.title, *_reading(sent)]
            after = [article.title, *_reading(stored_block(b) for b in article.blocks.all())]
            if before != after:
                article.submission_diff = difflib.HtmlDiff(wrapcolumn=40).make_table(
                    before, after, "来稿", "编辑后", context=True, numlines=1
                )
