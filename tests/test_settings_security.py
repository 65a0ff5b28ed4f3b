"""Production settings that are safe by default, and the attacks they are there for: a missing key, inline script,
readable or eternal tokens, password guessing (also behind a forged X-Forwarded-For), off-site redirects, and an
unauthenticated API call that must say how to authenticate."""

from __future__ import annotations

import datetime
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from evaluations.choices import ReviewState
from evaluations.models import SelfAssessment

ROOT = Path(__file__).resolve().parents[1]
LOCKED = "登录失败次数过多"


def settings_in_subprocess(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with only ``env`` (plus PATH) set."""
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    program = "import django; django.setup(); from django.conf import settings as s; " + code
    return subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=clean, capture_output=True, text=True)


# -- settings ------------------------------------------------------------------------------------------------------


def test_settings_refuse_to_start_without_a_secret_key():
    result = settings_in_subprocess({}, "print('started')")

    assert result.returncode == 1
    assert "started" not in result.stdout
    assert "django.core.exceptions.ImproperlyConfigured: 未设置 DJANGO_SECRET_KEY" in result.stderr
    assert "DJANGO_SECRET_KEY is not set: production needs a random secret key" in result.stderr


def test_explicit_debug_starts_without_a_key_and_with_a_key_of_its_own():
    code = "print(s.DEBUG, s.SECRET_KEY.startswith('django-insecure-'), len(s.SECRET_KEY) > 50)"
    first = settings_in_subprocess({"DJANGO_DEBUG": "true"}, code)
    again = settings_in_subprocess({"DJANGO_DEBUG": "true"}, "print(s.SECRET_KEY)")
    other = settings_in_subprocess({"DJANGO_DEBUG": "true"}, "print(s.SECRET_KEY)")

    assert (first.returncode, first.stdout) == (0, "True True True\n")
    assert again.stdout != other.stdout  # random per process: nothing public to forge sessions with


SECURITY_SETTINGS = (
    "print(json.dumps([s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
    " s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, getattr(s, 'SECURE_PROXY_SSL_HEADER', None),"
    " s.CSRF_TRUSTED_ORIGINS, s.TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'], s.AXES_FAILURE_LIMIT,"
    " s.AXES_COOLOFF_TIME.total_seconds(), s.DATABASES['default']['CONN_MAX_AGE'],"
    " s.DATABASES['default']['CONN_HEALTH_CHECKS'], s.REST_KNOX['TOKEN_TTL'].total_seconds()]))"
)


def test_production_defaults_are_secure():
    result = settings_in_subprocess({"DJANGO_SECRET_KEY": "k" * 50}, "import json; " + SECURITY_SETTINGS)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        False, True, 31_536_000, True, False, True, True, None, [], 0, 0, 10, 1800.0, 60, True, 30 * 24 * 3600.0
    ]  # fmt: skip


def test_every_security_setting_comes_from_the_environment():
    env = {
        "DJANGO_SECRET_KEY": "k" * 50,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "600",
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
        "DJANGO_SECURE_HSTS_PRELOAD": "true",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "DJANGO_CSRF_COOKIE_SECURE": "false",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "true",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://patents.example.edu.cn,https://www.example.edu.cn",
        "DJANGO_TRUSTED_PROXY_COUNT": "2",
        "DJANGO_AXES_FAILURE_LIMIT": "5",
        "DJANGO_AXES_COOLOFF_MINUTES": "15",
        "DATABASE_CONN_MAX_AGE": "0",
        "DATABASE_CONN_HEALTH_CHECKS": "false",
        "DJANGO_API_TOKEN_TTL_HOURS": "2",
    }
    result = settings_in_subprocess(env, "import json; " + SECURITY_SETTINGS)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        False, False, 600, False, True, False, False, ["HTTP_X_FORWARDED_PROTO", "https"],
        ["https://patents.example.edu.cn", "https://www.example.edu.cn"], 2, 2, 5, 900.0, 0, False, 7200.0,
    ]  # fmt: skip


# -- headers and pages -----------------------------------------------------------------------------------------------


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get("/accounts/login/")

    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_https_redirect_and_hsts_when_switched_on(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    plain = client.get("/accounts/login/")
    secure = client.get("/accounts/login/", secure=True)

    assert (plain.status_code, plain["Location"]) == (301, "https://testserver/accounts/login/")
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


@pytest.mark.parametrize("role", ["national_admin", "institution_admin", "college_admin", "inventor", "enterprise"])
def test_no_rendered_page_has_inline_script(world, role):
    set_state = SelfAssessment.objects.filter(patent=world.patent_b)
    set_state.update(review_state=ReviewState.DRAFT)
    client = Client()
    client.force_login(world.users[role])
    pages = ["/", "/patents/", "/todo/", "/library/", f"/library/{world.patent_a.pk}/", "/inventory/import/",
             f"/patents/{world.patent_a.pk}/", f"/patents/{world.patent_a.pk}/edit/",
             f"/patents/{world.patent_b.pk}/assessment/", "/patents/new/", "/api/docs/", "/admin/"]  # fmt: skip

    rendered = 0
    for path in pages:
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        html = response.content.decode()
        rendered += 1
        assert INLINE_SCRIPT.findall(html) == [], path
        assert INLINE_HANDLER.findall(html) == [], path
        assert JAVASCRIPT_URL.findall(html) == [], path
    assert rendered >= 4


def test_login_page_has_no_inline_script(client):
    html = client.get("/accounts/login/").content.decode()

    assert INLINE_SCRIPT.findall(html) == []
    assert INLINE_HANDLER.findall(html) == []
    assert '<script src="/static/js/app.js" defer></script>' in html


# -- API tokens ------------------------------------------------------------------------------------------------------


def new_token(client: APIClient, username: str) -> dict:
    response = client.post("/api/auth/token/", {"username": username, "password": "pw-" + username}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_token_is_stored_as_a_digest_only(world):
    before = timezone.now()
    issued = new_token(APIClient(REMOTE_ADDR=f"{fresh_subnet()}.1"), "institution_admin")

    stored = AuthToken.objects.get(user=world.users["institution_admin"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        raw_rows = cursor.fetchall()
    assert len(raw_rows) == 1
    assert issued["token"] not in " ".join(str(value) for value in raw_rows[0])
    assert stored.digest != issued["token"] and len(stored.digest) == 128
    expiry = datetime.datetime.fromisoformat(issued["expiry"])
    assert before + datetime.timedelta(days=30) <= expiry <= timezone.now() + datetime.timedelta(days=30)


def test_a_token_works_until_it_expires(world):
    user = world.users["institution_admin"]
    _, live = AuthToken.objects.create(user=user, expiry=datetime.timedelta(hours=1))
    _, expired = AuthToken.objects.create(user=user, expiry=datetime.timedelta(seconds=-1))

    ok = APIClient(HTTP_AUTHORIZATION=f"Token {live}").get("/api/patents/")
    refused = APIClient(HTTP_AUTHORIZATION=f"Token {expired}").get("/api/patents/")

    assert ok.status_code == 200
    assert refused.status_code == 401
    assert AuthToken.objects.filter(user=user).count() == 1  # the expired one is gone


def test_owner_lists_tokens_without_secrets_and_revokes_one(world):
    user = world.users["institution_admin"]
    first, first_key = AuthToken.objects.create(user=user)
    second, second_key = AuthToken.objects.create(user=user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {first_key}")

    listed = client.get("/api/auth/tokens/")
    assert listed.status_code == 200
    assert sorted(item["id"] for item in listed.json()) == sorted([first.digest, second.digest])
    assert all(set(item) == {"id", "created", "expiry"} for item in listed.json())
    assert first_key not in listed.content.decode() and second_key not in listed.content.decode()

    revoked = client.delete(f"/api/auth/tokens/{second.digest}/")
    assert revoked.status_code == 204
    assert APIClient(HTTP_AUTHORIZATION=f"Token {second_key}").get("/api/patents/").status_code == 401
    assert list(AuthToken.objects.filter(user=user).values_list("digest", flat=True)) == [first.digest]


def test_nobody_revokes_another_users_token(world):
    victim, _ = AuthToken.objects.create(user=world.users["institution_admin"])
    _, admin_key = AuthToken.objects.create(user=world.users["national_admin"])
    admin = APIClient(HTTP_AUTHORIZATION=f"Token {admin_key}")

    response = admin.delete(f"/api/auth/tokens/{victim.digest}/")

    assert response.status_code == 404
    assert AuthToken.objects.filter(digest=victim.digest).exists()
    assert [item["id"] for item in admin.get("/api/auth/tokens/").json()] != [victim.digest]
    assert AuthToken.objects.count() == 2


def test_the_admin_never_shows_a_token(world):
    admin = world.users["national_admin"]
    admin.is_superuser = True
    admin.save()
    token, key = AuthToken.objects.create(user=world.users["institution_admin"])
    client = Client()
    client.force_login(admin)

    listing = client.get("/admin/knox/authtoken/")
    detail = client.get(f"/admin/knox/authtoken/{token.digest}/change/")

    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    assert client.get("/admin/authtoken/token/").status_code == 404
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert key not in listing.content.decode() and key not in detail.content.decode()


def test_unauthenticated_api_call_answers_401_with_www_authenticate(world):
    response = APIClient().get("/api/patents/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_browser_session_still_reaches_the_api(world):
    client = Client()
    client.force_login(world.users["institution_admin"])

    assert client.get("/api/patents/").status_code == 200


# -- sign-in throttling (django-axes) --------------------------------------------------------------------------------

LOGIN_PATHS = ["/accounts/login/", "/admin/login/", "/api/auth/token/"]


def attempt(path: str, username: str, password: str, **extra):
    client = Client(**extra)
    return client.post(path, {"username": username, "password": password})


def fresh_subnet() -> str:
    """A /24 of its own per test: DRF's sign-in throttle counts per address in the shared cache, across runs."""
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}"


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_an_address_is_locked_out_after_the_failure_limit(world, path):
    limit = settings.AXES_FAILURE_LIMIT
    net = fresh_subnet()
    statuses = [attempt(path, f"nobody{n}", "guess", REMOTE_ADDR=f"{net}.1").status_code for n in range(limit)]
    # a wrong password until the limit-th failure, which is answered with the lockout
    assert statuses == [400 if path.startswith("/api/") else 200] * (limit - 1) + [429]

    locked = attempt(path, "institution_admin", "pw-institution_admin", REMOTE_ADDR=f"{net}.1")
    elsewhere = attempt(path, "institution_admin", "pw-institution_admin", REMOTE_ADDR=f"{net}.2")

    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    assert elsewhere.status_code in (200, 302)  # the account itself is not locked
    assert AuthToken.objects.count() == (1 if path == "/api/auth/token/" else 0)


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_an_account_is_locked_out_whatever_the_address(world, path):
    net = fresh_subnet()
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(path, "institution_admin", f"guess{n}", REMOTE_ADDR=f"{net}.{n + 1}")

    locked = attempt(path, "institution_admin", "pw-institution_admin", REMOTE_ADDR=f"{net}.200")

    assert locked.status_code == 429
    assert AuthToken.objects.count() == 0
    assert "_auth_user_id" not in locked.client.session


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_a_forged_x_forwarded_for_does_not_escape_the_lockout(world, path):
    # given no trusted proxy (the default), every guess from one socket, each with a new X-Forwarded-For
    assert settings.TRUSTED_PROXY_COUNT == 0
    socket = f"{fresh_subnet()}.1"
    statuses = [
        attempt(path, f"user{n}", "guess", REMOTE_ADDR=socket, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(60)
    ]

    limit = settings.AXES_FAILURE_LIMIT
    assert statuses[limit - 1 :] == [429] * (60 - limit + 1)
    assert 429 not in statuses[: limit - 1]


def test_behind_a_trusted_proxy_the_proxys_address_counts(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        # the client prepends a forged address; the proxy appends the real one (203.0.113.9)
        attempt(
            "/accounts/login/", f"x{n}", "guess", REMOTE_ADDR="10.5.0.1", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 203.0.113.9"
        )

    locked = attempt("/accounts/login/", "inventor", "pw-inventor", REMOTE_ADDR="10.5.0.1",
                     HTTP_X_FORWARDED_FOR="203.0.113.9")  # fmt: skip
    other_client = attempt("/accounts/login/", "inventor", "pw-inventor", REMOTE_ADDR="10.5.0.1",
                           HTTP_X_FORWARDED_FOR="203.0.113.10")  # fmt: skip

    assert locked.status_code == 429
    assert other_client.status_code == 302


# -- redirects -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/patents/", "/\\evil.example/"])
def test_bulk_action_never_redirects_off_site(world, target):
    client = Client()
    client.force_login(world.users["institution_admin"])
    states = dict(SelfAssessment.objects.values_list("patent_id", "review_state"))

    response = client.post("/patents/bulk/", {"next": target, "ids": [world.patent_b.pk], "action": "nonsense"})

    assert (response.status_code, response["Location"]) == (302, "/patents/")
    assert dict(SelfAssessment.objects.values_list("patent_id", "review_state")) == states


def test_bulk_action_keeps_a_same_site_next(world):
    client = Client()
    client.force_login(world.users["institution_admin"])

    response = client.post("/patents/bulk/", {"next": "/patents/?page=2"})

    assert (response.status_code, response["Location"]) == (302, "/patents/?page=2")


def test_login_never_redirects_off_site(world):
    response = attempt("/accounts/login/?next=//evil.example/", "inventor", "pw-inventor", REMOTE_ADDR="10.6.0.1")
    posted = Client(REMOTE_ADDR="10.6.0.2").post(
        "/accounts/login/", {"username": "inventor", "password": "pw-inventor", "next": "https://evil.example/"}
    )

    assert (response.status_code, response["Location"]) == (302, "/")
    assert (posted.status_code, posted["Location"]) == (302, "/")


# -- filter values out of range ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["/api/patents/", "/api/resource-library/"])
@pytest.mark.parametrize(
    "query",
    ["grant_year=0", "grant_year=-1", "grant_year=10000", "grant_year=2e16", "grant_year=-2e16", "grant_year=2019.5",
     "years_min=99999999999", "years_max=-1", "years_min=1.5"],
)  # fmt: skip
def test_out_of_range_filter_values_match_nothing(world, api, query):
    # A year or a maintained-years bound that no patent can have is a filter that matches nothing: an empty page
    # (issue #9), never a 500 from a value the database cannot hold.
    client = APIClient()
    client.force_authenticate(world.users["national_admin"])

    response = client.get(f"{api}?{query}")

    assert response.status_code == 200
    assert (response.json()["count"], response.json()["results"]) == (0, [])


def test_in_range_filter_values_still_filter(world):
    client = APIClient()
    client.force_authenticate(world.users["national_admin"])
    year = world.patent_a.grant_date.year

    response = client.get(f"/api/patents/?grant_year={year}")

    assert response.status_code == 200
    assert world.patent_a.pk in [item["id"] for item in response.json()["results"]]


def test_out_of_range_filter_on_a_page_is_ignored_not_an_error(world):
    client = Client()
    client.force_login(world.users["national_admin"])

    assert client.get("/patents/?grant_year=0&years_min=99999999999").status_code == 200
    assert client.get("/library/?grant_year=10000").status_code == 200


@pytest.mark.django_db
def test_postgresql_jit_is_off_for_the_platforms_connections():
    """JIT compiling the list counts and dashboard aggregates costs more than it saves (README, DATABASE_JIT)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_throttle_rates_come_from_the_environment_and_a_bad_one_refuses_to_start():
    code = "print(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['upload'], s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['user'])"
    good = settings_in_subprocess({"DJANGO_DEBUG": "true", "DJANGO_THROTTLE_UPLOAD": "600/hour"}, code)
    assert (good.returncode, good.stdout) == (0, "600/hour 5000/hour\n")
    bad = settings_in_subprocess({"DJANGO_DEBUG": "true", "DJANGO_THROTTLE_UPLOAD": "lots"}, code)
    assert bad.returncode == 1 and bad.stdout == ""
    assert "DJANGO_THROTTLE_UPLOAD='lots' is not a rate such as 120/hour." in bad.stderr
