"""Domain errors. The edges (CLI, views) turn them into one clear line."""

from __future__ import annotations


class JianbaoError(Exception):
    """An expected failure with a message meant for the person at the keyboard."""


class UnreadableFile(JianbaoError):
    def __init__(self, path: str, reason: str, *, line: int | None = None):
        self.path = path
        self.reason = reason
        self.line = line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}：{reason}")


class NotABulletin(UnreadableFile):
    """The file decodes, but holds no recognisable 简报."""


class IssueAlreadyExists(JianbaoError):
    def __init__(self, existing):
        self.existing = existing
        super().__init__(f"{existing} 已在归档中，未做改动（如需覆盖，请加 --replace）")


class IssueNotFound(JianbaoError):
    pass


class AmbiguousIssueRef(IssueNotFound):
    """A ref such as ``2023-1`` that more than one series has: the caller names the series."""

    def __init__(self, key: str, candidates, refs: list[str]):
        self.key = key
        self.candidates = list(candidates)
        self.refs = refs
        listed = "、".join(
            f"{ref}（{issue.series.title}{issue.series.name}）"
            for ref, issue in zip(refs, self.candidates, strict=True)
        )
        super().__init__(f"期号 {key} 不止一期，请写明简报系列：{listed}")
