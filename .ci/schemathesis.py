#!/usr/bin/env python3
"""Fuzz every operation of the OpenAPI schema against a live server: no input may answer a server error (5xx).

Run with the project's virtual environment (CI: `.venv/bin/python .ci/schemathesis.py`). It needs DATABASE_URL
(PostgreSQL; a test database is created next to it and dropped afterwards) and DJANGO_SECRET_KEY. The server runs on
127.0.0.1 on a free port, with Celery eager (an upload is imported in the request) and without the HTTPS redirect.

Each operation gets at most MAX_EXAMPLES generated examples per role (plus schemathesis's boundary values),
deterministically (--generation-deterministic), as a national
admin and as an institution admin, each with an API token, over a world of demo data (`generate_demo_data`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
DEMO_PATENTS = os.environ.get("SCHEMATHESIS_DEMO_PATENTS", "300")
ROLES = {"national admin": "admin", "institution admin": "inst_admin"}
PASSES = {
    "every operation but the token list": "--exclude-path-regex=^/api/auth/tokens/",
    "the token list and revocation": "--include-path-regex=^/api/auth/tokens/",
}

sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["CELERY_BROKER_URL"] = ""  # eager: no task left behind in a broker no worker reads
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.testcases import LiveServerThread, _StaticFilesHandler
    from django.test.utils import setup_test_environment
    from knox.models import AuthToken

    from institutions.models import User

    if connection.vendor != "postgresql":
        sys.exit("schemathesis: DATABASE_URL must point at PostgreSQL")
    setup_test_environment(debug=False)
    # Our own test database name, so a pytest run on the same server does not collide with this one.
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        f"test_{connection.settings_dict['NAME']}_schemathesis"
    )
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    server = None
    try:
        call_command("load_reference_data", verbosity=0)
        call_command("generate_demo_data", patents=int(DEMO_PATENTS), verbosity=0)
        server = LiveServerThread("127.0.0.1", _StaticFilesHandler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        base = f"http://127.0.0.1:{server.port}"

        failed = []
        for role, username in ROLES.items():
            for part, selection in PASSES.items():
                # A fresh token per pass: the token pass may revoke the token it runs with (schemathesis reuses the
                # ids that GET /api/auth/tokens/ answers), which must not blind the other operations.
                token = AuthToken.objects.create(user=User.objects.get(username=username))[1]
                print(f"== schemathesis as {role}, {part}: max {MAX_EXAMPLES} examples per operation", flush=True)
                command = [
                    str(Path(sys.executable).parent / "schemathesis"),
                    "--no-color",
                    "run",
                    f"{base}/api/schema/?format=json",
                    "--checks=not_a_server_error",
                    f"--max-examples={MAX_EXAMPLES}",
                    "--generation-deterministic",
                    # Examples, boundary values (coverage) and random inputs.
                    "--phases=examples,coverage,fuzzing",
                    "--suppress-health-check=all",
                    "--continue-on-failure",
                    "--max-failures=200",
                    f"--header=Authorization: Token {token}",
                    selection,
                    *os.environ.get("SCHEMATHESIS_EXTRA_ARGS", "").split(),
                ]
                if subprocess.call(command, env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"}) != 0:
                    failed.append(f"{role} ({part})")
        if failed:
            print(f"schemathesis: server errors or failures as {', '.join(failed)}", file=sys.stderr)
            return 1
        print("schemathesis: no server error", flush=True)
        return 0
    finally:
        if server is not None:
            server.terminate()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
