"""Behind nginx every request comes from 127.0.0.1: the login throttle must still tell
clients apart, by the X-Real-IP that nginx sets, and only when nginx set it."""

import pytest
from django.urls import reverse

from tests.factories import person

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def editor(db):
    return person("editor", "editor")


def _fail_five_times(client, **meta):
    for _ in range(5):
        client.post(reverse("login"), {"username": "editor", "password": "wrong"}, **meta)


def _login(client, **meta):
    return client.post(reverse("login"), {"username": "editor", "password": PASSWORD}, **meta)


def test_one_client_behind_the_proxy_locks_out_only_itself(client, editor):
    attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.7"}
    _fail_five_times(client, **attacker)
    assert _login(client, **attacker).status_code == 429
    # The editor, from another address through the same proxy, still gets in.
    response = _login(client, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.20")
    assert response.status_code == 302


def test_a_client_cannot_choose_its_address_by_sending_the_header_itself(client, editor):
    # Straight from the internet (not from a trusted proxy) the header is the client's claim.
    _fail_five_times(client, REMOTE_ADDR="203.0.113.7", HTTP_X_REAL_IP="192.0.2.1")
    response = _login(client, REMOTE_ADDR="203.0.113.7", HTTP_X_REAL_IP="192.0.2.99")
    assert response.status_code == 429
