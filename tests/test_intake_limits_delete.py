"""Deleting a submission keeps its history; its files go only once the row is really gone."""

import inspect
import io

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image

from jianbao.core.history import history_of
from jianbao.core.models import HistoryEvent
from jianbao.mailbox import services as mailbox
from jianbao.submissions import services as intake
from jianbao.submissions.models import Submission, SubmissionEvent
from tests.factories import AllianceFactory, person


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def stored(settings, tmp_path, transactional_db):
    """A submission with two files, committed for real (no test transaction around it)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
    submitter = person("sec", "submitter", alliance=alliance)
    editor = person("ed", "editor", name="杨丹泽")
    files = [
        intake.read_attachment("稿件.txt", "联盟动态\n第一段。".encode()),
        intake.read_attachment("现场.png", _png()),
    ]
    submission = intake.receive(
        title="联盟动态",
        paragraphs=["第一段。"],
        alliance=alliance,
        by=submitter,
        attachments=files,
    )
    intake.reject(submission, by=editor, comment="重复投稿")
    names = list(submission.attachments.values_list("file", flat=True))
    assert len(names) == 2 and all(default_storage.exists(n) for n in names)
    return {"submission": submission, "editor": editor, "files": names}


def events_of(submission_id):
    return list(
        SubmissionEvent.objects.filter(submission_id=submission_id).values_list(
            "action", "to_state", "actor__username", "submission_label"
        )
    )


def test_deleting_keeps_the_history_and_records_who_deleted(stored):
    submission, editor = stored["submission"], stored["editor"]
    before = events_of(submission.pk)
    assert before == [
        ("received", "received", "sec", "联盟动态"),
        ("rejected", "rejected", "ed", "联盟动态"),
    ]
    intake.delete_submission(submission, by=editor, comment="重复")
    assert not Submission.objects.filter(pk=submission.pk).exists()
    assert events_of(submission.pk) == before
    [deletion] = history_of(submission)
    assert (deletion.action, deletion.actor, deletion.actor_name) == (
        "submissions.submission.delete",
        editor,
        "杨丹泽",
    )
    assert (deletion.subject_label, deletion.from_state, deletion.comment) == (
        "联盟动态",
        "rejected",
        "重复",
    )
    assert deletion.data["attachments"] == ["稿件.txt", "现场.png"]


def test_files_are_removed_once_the_deletion_has_committed(stored):
    intake.delete_submission(stored["submission"], by=stored["editor"])
    assert not any(default_storage.exists(name) for name in stored["files"])


def test_a_rolled_back_deletion_keeps_the_row_and_its_files(stored):
    submission = stored["submission"]
    with pytest.raises(RuntimeError), transaction.atomic():
        intake.delete_submission(submission, by=stored["editor"])
        # Deleted in this transaction, not yet committed: the files are still there.
        assert all(default_storage.exists(name) for name in stored["files"])
        raise RuntimeError("something after the deletion failed")
    assert Submission.objects.filter(pk=submission.pk).exists()
    assert all(default_storage.exists(name) for name in stored["files"])
    assert not HistoryEvent.objects.filter(action="submissions.submission.delete").exists()


def test_a_deletion_from_anywhere_else_is_recorded_and_cleaned_up_too(stored):
    submission = stored["submission"]
    before = events_of(submission.pk)
    Submission.objects.filter(pk=submission.pk).delete()  # as a bulk delete would
    assert events_of(submission.pk) == before
    [deletion] = history_of(submission)
    assert (deletion.action, deletion.actor, deletion.actor_name) == (
        "submissions.submission.delete",
        None,
        "系统",
    )
    assert not any(default_storage.exists(name) for name in stored["files"])


WRITE_SERVICES = [
    intake.receive,
    intake.submit,
    intake.revise,
    intake.accept_into,
    intake.return_with_comment,
    intake.reject,
    intake.delete_submission,
    mailbox.store_mail,
    mailbox.acknowledge,
]


@pytest.mark.parametrize("service", WRITE_SERVICES, ids=lambda f: f.__qualname__)
def test_every_write_names_its_actor_by_keyword(service):
    parameter = inspect.signature(service).parameters["by"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
