"""The delivery page: progress, failures with the server's reply, resend buttons."""

import pytest
from django.urls import include, path, reverse

import jianbao.urls
from jianbao.distribution.models import Delivery
from tests.factories import person

# Until jianbao/urls.py includes the delivery pages, mount them here.
urlpatterns = list(jianbao.urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "distribution" for p in urlpatterns):
    urlpatterns.append(path("desk/deliveries/", include("jianbao.distribution.urls")))

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def deliveries(imported_issue):
    def make(address, state, **extra):
        return Delivery.objects.create(
            issue=imported_issue,
            address=address,
            organisation="某单位",
            person="某人",
            list_kind="送",
            state=state,
            message_id=f"<{address}>",
            **extra,
        )

    return {
        "sent": make("a@example.org", "sent", attempts=1),
        "bounced": make("b@example.org", "bounced", attempts=1, error="550 5.1.1 User unknown"),
        "failed": make("c@example.org", "failed", attempts=8, error="451 4.3.0 Try again"),
        "queued": make("d@example.org", "queued"),
    }


def test_staff_see_progress_and_failures_with_reasons(client, imported_issue, deliveries):
    client.force_login(person("bianji", "editor"))
    response = client.get(reverse("distribution:issue", args=[imported_issue.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>分发情况 · 2023年第1期（总第66期）" in page
    assert "已发送 1 / 4" in page
    assert "550 5.1.1 User unknown" in page and "451 4.3.0 Try again" in page
    assert "发送失败（2）" in page
    assert page.count(">重发</button>") == 2
    assert 'aria-current="page">分发情况' in page
    assert reverse("desk:issue", args=[imported_issue.pk]) in page


def test_resend_button_queues_one_failed_delivery(
    client, imported_issue, deliveries, django_capture_on_commit_callbacks
):
    client.force_login(person("bianji", "editor"))
    url = reverse("distribution:resend", args=[imported_issue.pk])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"delivery": deliveries["bounced"].pk}, follow=True)
    assert "已重新排队 1 封" in response.content.decode()
    deliveries["bounced"].refresh_from_db()
    assert (deliveries["bounced"].state, deliveries["bounced"].error) == ("queued", "")
    assert Delivery.objects.get(pk=deliveries["failed"].pk).state == "failed"
    assert len(callbacks) == 1


def test_resend_all_queues_every_failure_and_never_a_sent_one(
    client, imported_issue, deliveries, django_capture_on_commit_callbacks
):
    client.force_login(person("bianji", "editor"))
    url = reverse("distribution:resend", args=[imported_issue.pk])
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url)
        client.post(url, {"delivery": deliveries["sent"].pk})
    states = dict(Delivery.objects.values_list("address", "state"))
    assert states == {
        "a@example.org": "sent",
        "b@example.org": "queued",
        "c@example.org": "queued",
        "d@example.org": "queued",
    }


def test_queue_button_adds_only_new_recipients(
    client, imported_issue, deliveries, django_capture_on_commit_callbacks
):
    from jianbao.distribution.services import import_recipients

    import_recipients(
        "单位,姓名,邮箱\n甲,乙,a@example.org\n丙,丁,new@example.org\n".encode(), kind="报", by=None
    )
    client.force_login(person("qianfa", "signer"))
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("distribution:queue", args=[imported_issue.pk]), follow=True)
    assert "已为 1 位新收件人排队" in response.content.decode()
    assert Delivery.objects.filter(issue=imported_issue).count() == 5


@pytest.mark.parametrize("roles", [(), ("submitter",), ("reviewer",)])
def test_others_may_not_see_or_resend(client, imported_issue, deliveries, roles):
    from tests.factories import AllianceFactory

    user = person("other", *roles, alliance=AllianceFactory() if roles else None)
    client.force_login(user)
    assert client.get(reverse("distribution:issue", args=[imported_issue.pk])).status_code == 403
    resend = reverse("distribution:resend", args=[imported_issue.pk])
    assert client.post(resend).status_code == 403
    assert Delivery.objects.get(pk=deliveries["bounced"].pk).state == "bounced"


def test_anonymous_visitors_are_sent_to_login(client, imported_issue):
    response = client.get(reverse("distribution:issue", args=[imported_issue.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_admin_lists_deliveries_read_only(admin_client, imported_issue, deliveries):
    assert admin_client.get("/admin/distribution/delivery/").status_code == 200
    change = f"/admin/distribution/delivery/{deliveries['sent'].pk}/change/"
    assert admin_client.get(change).status_code == 200  # a view, not a form
    assert admin_client.get("/admin/distribution/distributionlist/add/").status_code == 200


def test_recipients_list_command_prints_json(cli):
    from jianbao.distribution.services import import_recipients

    import_recipients("单位,姓名,邮箱\n甲,乙,x@example.org\n".encode(), kind="送", by=None)
    result = cli("recipients", "list", "--format", "json")
    assert '"address": "x@example.org"' in result.stdout
