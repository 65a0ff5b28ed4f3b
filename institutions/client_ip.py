"""Who is knocking: the client address for sign-in throttling, and the answer a locked-out sign-in gets.

The address is the socket's unless the platform sits behind DJANGO_TRUSTED_PROXY_COUNT reverse proxies, each of which
appends the address it saw to X-Forwarded-For. Only those last entries were written by someone we trust; anything to
their left was written by the client and could be anything, so it is never used.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKED_MESSAGE = (
    "登录失败次数过多，已暂时锁定，请稍后再试。/ Too many failed sign-ins: locked for a while, try again later."
)


def client_ip(request: HttpRequest) -> str:
    """The client's address: the socket's, or the one the outermost trusted proxy saw."""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR", "")
    if count <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not chain:
        return remote
    # With N proxies the client's address is the N-th entry from the right; a shorter chain came through fewer
    # proxies than configured, and its leftmost entry is the furthest one a trusted proxy vouched for.
    return chain[-count] if len(chain) >= count else chain[0]


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """429 for a locked-out sign-in: JSON on the API, the sign-in page's message elsewhere."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": LOCKED_MESSAGE}, status=429, json_dumps_params={"ensure_ascii": False})
    else:
        response = render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
