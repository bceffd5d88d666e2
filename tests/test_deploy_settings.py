"""Production mode: a Content-Security-Policy, a year of HSTS, and `check --deploy` clean."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.template import engines
from django.test import Client
from django.urls import include, path

from tests.conftest import ROOT

JIANBAO = str(ROOT / ".venv" / "bin" / "jianbao")


def production_env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "JIANBAO_"))}
    env.pop("DATABASE_URL", None)
    # Set by the browser tests in this process; no deployment has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        JIANBAO_PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="jianbao.example.org",
        JIANBAO_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_DEBUG="0",
    )
    env.update(extra)
    return env


def test_check_deploy_is_clean_in_production(tmp_path):
    result = subprocess.run(
        [JIANBAO, "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_check_deploy_reports_hsts_without_subdomains(tmp_path):
    # The switch exists, and check --deploy says what turning it off costs.
    result = subprocess.run(
        [JIANBAO, "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path, SECURE_HSTS_INCLUDE_SUBDOMAINS="0"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W005" in result.stderr + result.stdout


# The production server's answer, as seen by a client: a small script in a production process.
_PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="jianbao.example.org")
out = {}
for path in ("/robots.txt", "/no-such-page/"):
    r = client.get(path, secure=True)
    out[path] = {"status": r.status_code, "headers": dict(r.headers)}
plain = client.get("/robots.txt")
out["plain"] = {"status": plain.status_code, "location": plain.headers.get("Location", "")}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production_answers(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("production")
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="jianbao.settings")
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (p.split() for p in policy.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize("path", ["/robots.txt", "/no-such-page/"])
def test_production_sends_a_csp_that_allows_no_inline_script(production_answers, path):
    headers = production_answers[path]["headers"]
    policy = _directives(headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert all("'unsafe-eval'" not in sources for sources in policy.values())


def test_production_sends_hsts_for_a_year_with_subdomains(production_answers):
    hsts = production_answers["/robots.txt"]["headers"]["Strict-Transport-Security"]
    seconds = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert seconds >= 365 * 24 * 3600
    assert "includeSubDomains" in hsts
    assert "preload" in hsts


def test_production_sends_plain_http_to_https(production_answers):
    plain = production_answers["plain"]
    assert plain["status"] == 301
    assert plain["location"].startswith("https://jianbao.example.org/")


def test_development_sends_no_csp(client, db):
    # The debug pages of development use inline scripts and styles.
    assert "Content-Security-Policy" not in client.get("/robots.txt")


# --- every template: the policy allows no inline script, so none may need one -----------


def test_no_template_holds_an_inline_script_or_handler():
    offenders = []
    for folder in (ROOT / "jianbao").glob("*/templates"):
        for template in folder.rglob("*.html"):
            text = template.read_text(encoding="utf-8")
            for tag in re.findall(r"<script\b[^>]*>", text, flags=re.I):
                if "src=" not in tag:
                    offenders.append((template.name, tag))
            for handler in re.findall(r"\son[a-z]+\s*=", text, flags=re.I):
                offenders.append((template.name, handler))
            if re.search(r"javascript:", text, flags=re.I):
                offenders.append((template.name, "javascript:"))
    assert offenders == []


# --- the nonce, for a page that cannot yet do without an inline script ----------------


def _inline_script_page(request):
    from django.http import HttpResponse

    template = engines["django"].from_string(
        '<script nonce="{{ request.csp_nonce }}">let x = 1;</script>'
    )
    return HttpResponse(template.render({}, request))


def _plain_page(request):
    from django.http import HttpResponse

    return HttpResponse("no script")


urlpatterns = [
    path("test-csp/inline/", _inline_script_page),
    path("test-csp/plain/", _plain_page),
    path("", include("jianbao.urls")),
]


@pytest.mark.urls(__name__)
def test_a_page_that_asks_for_a_nonce_gets_it_in_its_policy(settings, db):
    settings.JIANBAO_CSP = "default-src 'self'; script-src 'self'; object-src 'none'"
    client = Client()
    first = client.get("/test-csp/inline/")
    nonce = re.search(r'nonce="([^"]+)"', first.content.decode()).group(1)
    assert len(nonce) >= 16
    assert _directives(first["Content-Security-Policy"])["script-src"] == [
        "'self'",
        f"'nonce-{nonce}'",
    ]
    second = client.get("/test-csp/inline/")
    assert nonce not in second.content.decode()  # a fresh one for every response
    plain = client.get("/test-csp/plain/")
    assert _directives(plain["Content-Security-Policy"])["script-src"] == ["'self'"]
