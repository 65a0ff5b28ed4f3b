"""API of the institutions app: signing in for a token."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle


class AuthTokenView(ObtainAuthToken):
    """Exchange a username and password for the account's API token (send it as ``Authorization: Token …``).

    Throttled per client address, since it is a place to guess passwords.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
