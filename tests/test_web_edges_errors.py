"""The error pages are the site's own, in Chinese, and render with DEBUG off."""

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.test import Client
from django.urls import include, path

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def _bad(request):
    raise BadRequest("bad")


def _forbidden(request):
    raise PermissionDenied


def _broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("test-errors/400/", _bad),
    path("test-errors/403/", _forbidden),
    path("test-errors/500/", _broken),
    path("", include("jianbao.urls")),
]


@pytest.fixture(autouse=True)
def no_debug(settings):
    settings.DEBUG = False


@pytest.mark.parametrize(
    "url, status, heading",
    [
        ("/test-errors/400/", 400, "请求有误"),
        ("/test-errors/403/", 403, "无权访问"),
        ("/no-such-page/", 404, "找不到这个页面"),
        ("/test-errors/500/", 500, "服务器出错了"),
    ],
)
def test_error_pages_are_chinese_and_in_the_site_frame(url, status, heading):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert 'lang="zh-Hans"' in html
    assert 'class="brand"' in html and "简报归档" in html  # archive/base.html
    assert "/static/archive/site.css" in html
    assert "Traceback" not in html and "a bug" not in html


def test_a_form_posted_without_its_csrf_token_gets_the_chinese_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>表单已失效</h1>" in html
    assert 'lang="zh-Hans"' in html
