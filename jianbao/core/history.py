"""The one shared history: every write records who did what to which object.

A service calls ``record()`` inside its own transaction, so the change and
its history row commit together or not at all.  Action names are namespaced
``app.object.verb`` (``bulletins.issue.sign``, ``core.role.grant``).  Rows
keep a label of their subject, so the record outlives the object it names.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from jianbao.core.models import HistoryEvent
from jianbao.core.roles import display_name

SYSTEM_NAME = "系统"

# For people reading the record: "bulletins.article.edit" → "修改文章".
VERBS = {
    "add": "添加",
    "edit": "修改",
    "delete": "删除",
    "move": "移动",
    "reorder": "调整顺序",
    "create": "新建",
    "grant": "授予",
    "revoke": "撤销",
    "import": "导入",
    "merge": "合并",
    "resend": "重发",
    "dismiss": "驳回",
    "approve": "批准",
    "reject": "驳回",
    "update": "修改",
    "withdraw": "撤回",
    "restore": "恢复",
    "rename": "重命名",
    "hide": "隐藏",
    "show": "取消隐藏",
    "answer": "答复",
    "resolve": "解决",
    "deactivate": "停用",
    "reactivate": "恢复接收",
    "choose": "选定",
    "distinct": "确认不同",
    "propose": "提议修改",
    "queue": "安排",
    "ignore": "忽略",
    "reopen": "恢复",
    "apply": "采用",
    "enable": "启用",
    "correct": "勘误",
    "check": "核对",
    "uncheck": "撤销核对",
}
OBJECTS = {
    "comment": "审核意见",
    "recipient": "收件人",
    "audience": "报送范围",
    "deliveries": "投递",
    "article": "文章",
    "issue": "一期",
    "section": "栏目",
    "role": "角色",
    "recipients": "报送名单",
    "delivery": "投递",
    "organisation": "联盟",
    "objection": "异议",
    "submission": "稿件",
    "registry": "联盟名录",
    "profile": "联盟资料",
    "user": "用户",
    "series": "简报系列",
    "entry": "审校词条",
    "finding": "审校提示",
    "suggestion": "审校建议",
    "report": "导入报告",
    "import": "往期导入",
}


def action_label(action: str) -> str:
    _, _, rest = action.partition(".")
    obj, _, verb = rest.partition(".")
    if verb in VERBS and obj in OBJECTS:
        return VERBS[verb] + OBJECTS[obj]
    return action


def record(
    action: str,
    *,
    by,
    subject=None,
    comment: str = "",
    data: dict | None = None,
    from_state: str = "",
    to_state: str = "",
    actor_name: str = "",
) -> HistoryEvent:
    """Write one history row; ``by`` is a user, or None for the system (CLI, worker).

    ``actor_name`` names a person who is not a user of the site, such as the
    ``--by`` of a command-line import.
    """
    if action.count(".") != 2:
        raise ValueError(f"history action {action!r} is not app.object.verb")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"record({action!r}) must run inside the write's own transaction")
    user = by if getattr(by, "pk", None) else None
    event = HistoryEvent(
        action=action,
        actor=user,
        actor_name=(actor_name or (user and display_name(user)) or SYSTEM_NAME)[:100],
        comment=comment,
        data=data or {},
        from_state=from_state,
        to_state=to_state,
    )
    if subject is not None:
        event.subject_type = ContentType.objects.get_for_model(type(subject))
        event.subject_id = str(subject.pk)
        event.subject_label = str(subject)[:300]
    event.save()
    return event


def history_of(subject):
    """The history rows of one object, oldest first."""
    return HistoryEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(type(subject)),
        subject_id=str(subject.pk),
    ).order_by("created_at", "id")
