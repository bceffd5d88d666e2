"""The desk's publishing page: the issue's files, its web page and its WeChat post."""

import html

import ofdkit
import pytest
from django.urls import reverse

from jianbao.bulletins.models import Issue
from jianbao.bulletins.services import issue_to_bulletin
from jianbao.publishing.render import render
from tests.factories import AllianceFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(person("bianji", "editor", name="杨编辑"))
    return client


def wechat_of(issue) -> str:
    return render(issue_to_bulletin(issue), "wechat").decode("utf-8")


def test_the_publishing_page_links_the_public_files_of_a_published_issue(
    editor_client, imported_issue
):
    assert imported_issue.state == "published"
    page = editor_client.get(reverse("distribution:publishing", args=[imported_issue.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "<title>发布页 · 2023年第1期（总第66期）" in text
    assert 'href="/issues/2023-1.pdf"' in text
    assert 'href="/issues/2023-1.docx"' in text
    assert 'href="/issues/2023-1/"' in text
    assert ">公开网页</a>" in text


def test_the_publishing_page_carries_the_wechat_html_to_copy_and_a_phone_preview(
    editor_client, imported_issue
):
    text = editor_client.get(
        reverse("distribution:publishing", args=[imported_issue.pk])
    ).content.decode()
    assert 'id="copy-wechat"' in text and "复制微信版" in text
    source = text.split('<textarea id="wechat-html"', 1)[1].split(">", 1)[1]
    source = html.unescape(source.split("</textarea>", 1)[0])
    assert source == wechat_of(imported_issue)
    preview = reverse("distribution:wechat", args=[imported_issue.pk])
    assert f'sandbox title="微信版预览（手机宽度）" src="{preview}"' in text
    assert "distribution/copy-wechat.js" in text
    assert "<script>" not in text


def test_the_wechat_preview_is_the_post_under_a_policy_that_runs_nothing(
    editor_client, imported_issue
):
    response = editor_client.get(reverse("distribution:wechat", args=[imported_issue.pk]))
    assert response.status_code == 200
    assert wechat_of(imported_issue) in response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert "script-src" not in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_unpublished_issue_links_the_desk_previews(editor_client, imported_issue):
    imported_issue.state = "signing"
    imported_issue.save()
    text = editor_client.get(
        reverse("distribution:publishing", args=[imported_issue.pk])
    ).content.decode()
    assert reverse("desk:pdf", args=[imported_issue.pk]) in text
    assert reverse("distribution:docx", args=[imported_issue.pk]) in text
    assert reverse("distribution:ofd", args=[imported_issue.pk]) in text
    assert reverse("desk:preview", args=[imported_issue.pk]) in text
    assert "/issues/2023-1.pdf" not in text


def test_the_word_file_is_a_download_of_the_issue(editor_client, imported_issue):
    response = editor_client.get(reverse("distribution:docx", args=[imported_issue.pk]))
    assert response.status_code == 200
    assert response.content[:2] == b"PK"
    assert response["Content-Disposition"].startswith('attachment; filename="preview-2023-1.docx"')


def test_the_ofd_file_is_a_download_of_the_issue_before_it_is_published(
    editor_client, imported_issue
):
    imported_issue.state = Issue.State.EDITING
    imported_issue.save()
    response = editor_client.get(reverse("distribution:ofd", args=[imported_issue.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ofd"
    assert response["Content-Disposition"].startswith('attachment; filename="preview-2023-1.ofd"')
    with ofdkit.open(response.content) as document:
        assert "化纤联盟协办中国纺织科技成果对接峰会" in "".join(p.text() for p in document.pages)


def test_the_issue_page_links_the_publishing_page(editor_client, imported_issue):
    text = editor_client.get(reverse("desk:issue", args=[imported_issue.pk])).content.decode()
    assert f'href="{reverse("distribution:publishing", args=[imported_issue.pk])}">发布页' in text


@pytest.mark.parametrize("name", ["publishing", "wechat", "docx"])
def test_people_outside_the_desk_are_refused(client, imported_issue, name):
    client.force_login(person("mishu", "submitter", alliance=AllianceFactory()))
    response = client.get(reverse(f"distribution:{name}", args=[imported_issue.pk]))
    assert response.status_code == 403
