"""Every page the navigation offers, opened by every demo login: no page may answer a server error.

The demo generator writes with COPY (no history rows, like a bulk import), so its world is the one real users meet.
Each role crawls breadth-first from ``/`` through same-site links (a bounded number of pages, a few per URL shape so
the crawl reaches every kind of page instead of 400 patent pages), and then opens every value every filter form on
the list pages offers, and the lists' exports. 403 and 404 are fine where the role may not go; 5xx never is.
"""

from __future__ import annotations

import re
import traceback
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from institutions.models import User

DEMO_LOGINS = ["admin", "inst_admin", "college_admin", "inventor", "enterprise", "expert", "bureau", "ministry"]
PAGES_PER_ROLE = 400
PAGES_PER_SHAPE = 1
PAGES_PER_PATH = 8
PAGES_PER_ADMIN_LIST = 3
LIST_PAGES = ["/patents/", "/library/", "/todo/"]
# Links that act (sign out, switch language: both POST forms anyway) or serve files rather than pages.
SKIP_PREFIXES = ("/static/", "/media/", "/accounts/logout/", "/i18n/", "/admin/logout/")
# The admin's own forms (add, change, delete, history) are Django's; its index and changelists are ours to configure.
ADMIN_FORM = re.compile(r"^/admin/.*/(add|change|delete|history)/")


class PageLinks(HTMLParser):
    """The links of a page, and the choices its GET forms offer (``(action, name, value)``)."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.choices: list[tuple[str, str, str]] = []
        self._form_action: str | None = None  # inside a GET form
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form_action = a.get("action") or "" if (a.get("method") or "get").lower() == "get" else None
        elif self._form_action is None:
            return
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and a.get("value"):
            self.choices.append((self._form_action, self._select, a["value"]))
        elif tag == "input" and a.get("type") in ("checkbox", "radio") and a.get("name") and a.get("value"):
            self.choices.append((self._form_action, a["name"], a["value"]))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form_action = None
        elif tag == "select":
            self._select = None


def shape(url: str) -> tuple:
    """What makes two URLs the same kind of page: the path with its ids blanked and the query's keys."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    return re.sub(r"\d+", "N", parts.path), tuple(sorted(query)), query.get("export")


def same_site(base: str, href: str) -> str | None:
    if href.startswith(("#", "mailto:", "javascript:", "tel:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    if parts.path.startswith(SKIP_PREFIXES) or ADMIN_FORM.match(parts.path) or "_changelist_filters" in parts.query:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Crawl:
    """One role's visit: every URL fetched once, every server error (status or exception) kept with its cause."""

    def __init__(self, client: Client):
        self.client = client
        self.seen: dict[str, int] = {}
        self.failures: list[str] = []
        self.pages: dict[str, PageLinks] = {}

    def get(self, url: str) -> PageLinks | None:
        if url in self.seen:
            return self.pages.get(url)
        try:
            response = self.client.get(url)
        except Exception:  # the test client re-raises the view's exception: that is a 500
            self.seen[url] = 500
            self.failures.append(f"{url} raised\n{traceback.format_exc(limit=-4)}")
            return None
        self.seen[url] = response.status_code
        if response.status_code >= 500:
            self.failures.append(f"{url} answered {response.status_code}")
        if response.status_code in (301, 302, 303, 307, 308):
            self.pages[url] = links = PageLinks()
            links.links.append(response["Location"])
            return links
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            return None
        links = PageLinks()
        links.feed(response.content.decode())
        self.pages[url] = links
        return links

    def breadth_first(self, start: str, limit: int) -> None:
        queue = deque([start])
        per_shape: dict[tuple, int] = {}
        per_path: dict[str, int] = {}
        fetched = 0
        while queue and fetched < limit:
            url = queue.popleft()
            if url in self.seen:
                continue
            kind = shape(url)
            path_limit = PAGES_PER_ADMIN_LIST if kind[0].startswith("/admin/") else PAGES_PER_PATH
            if per_shape.get(kind, 0) >= PAGES_PER_SHAPE or per_path.get(kind[0], 0) >= path_limit:
                continue
            per_shape[kind] = per_shape.get(kind, 0) + 1
            per_path[kind[0]] = per_path.get(kind[0], 0) + 1
            fetched += 1
            links = self.get(url)
            for href in links.links if links else ():
                target = same_site(url, href)
                if target and target not in self.seen:
                    queue.append(target)

    def filter_values(self, list_url: str) -> None:
        """Each value each GET form of the list offers, one at a time, and the list's exports."""
        links = self.get(list_url)
        if links is None:
            return
        for action, name, value in links.choices:
            if name == "page_size" and value != "200":
                continue  # page sizes are not filters: the largest page shows every row the others would
            base = urljoin(list_url, action) if action else list_url
            self.get(f"{base}?{urlencode({name: value})}")
        for export in ("xlsx", "national"):
            self.get(f"{list_url}?export={export}")


@pytest.fixture
def demo_world(db):
    call_command("generate_demo_data", patents=300, seed=11)


@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_every_page_opens_for_every_role(demo_world, username):
    client = Client()
    user = User.objects.get(username=username)
    assert user.check_password("demo12345")  # the demo's documented password; signed in without the lockout backend
    client.force_login(user)
    crawl = Crawl(client)
    crawl.breadth_first("/", PAGES_PER_ROLE)
    for url in LIST_PAGES:
        crawl.filter_values(url)
    assert crawl.failures == []
    # The crawl reached the pages the role has: a patent's page for those who see the base library, and the library.
    reached = {shape(url)[0] for url, status in crawl.seen.items() if status == 200}
    assert "/library/" in reached and "/library/N/" in reached
    if username not in ("enterprise", "expert"):
        assert {"/patents/", "/patents/N/"} <= reached
    if username in ("inst_admin", "college_admin", "inventor"):
        assert "/todo/" in reached
    if username == "admin":
        assert "/admin/" in reached and len([u for u in reached if u.startswith("/admin/")]) >= 20
