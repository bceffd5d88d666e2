"""The public pages in a real chromium: a 360 px phone, contrast, no JavaScript."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"

# Contrast of every element's own text against the first opaque background behind it.
CONTRAST_FAILURES = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 ||
      (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5))
      failures.push(`${el.tagName} ${ratio.toFixed(2)} ${el.textContent.slice(0, 20)}`);
  }
  return failures;
}"""


@pytest.fixture(scope="session", autouse=True)
def orm_beside_playwright():
    # Playwright's sync API keeps an event loop running in this thread; the ORM
    # calls here (test database set-up included) are still plain blocking calls.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=False, device_scale_factor=2
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _urls(live_server):
    from jianbao.bulletins.models import Article
    from jianbao.network.models import Organisation

    article = Article.objects.get(title="粉末冶金联盟发布7项团体标准")
    alliance = article.alliances.get()
    assert Organisation.objects.filter(pk=alliance.pk).exists()
    return [
        f"{live_server.url}/",
        f"{live_server.url}/issues/2023-1/",
        f"{live_server.url}/articles/{article.pk}/",
        f"{live_server.url}/alliances/{alliance.pk}/",
        f"{live_server.url}/search/?q=标准",
    ]


def test_pages_fit_a_360px_phone_without_javascript(phone, live_server, imported_issue):
    for url in _urls(live_server):
        phone.goto(url)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (url, width)
    # The search box works as a plain form.
    phone.goto(f"{live_server.url}/issues/2023-1/")
    phone.fill("#site-q", "粉末冶金")
    phone.press("#site-q", "Enter")
    phone.wait_for_url("**/search/?q=*")
    assert "粉末冶金联盟发布7项团体标准" in phone.inner_text("main")


def test_text_contrast_meets_wcag_aa(desktop, live_server, imported_issue):
    for url in _urls(live_server):
        desktop.goto(url)
        assert desktop.evaluate(CONTRAST_FAILURES) == [], url
