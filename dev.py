#!/usr/bin/env python3
"""The few things people do with PatentPool, from a bare machine with only Python 3.11.

    python3 dev.py demo    set everything up and start the platform on SQLite with demo data
    python3 dev.py test    run the test suite against PostgreSQL and Redis (started if installed and down)

Standard library only: it runs before the virtual environment exists.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
# Tests talk to the services production uses; these are their standard local ports.
TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
TEST_REDIS_URL = "redis://127.0.0.1:6379/0"
# The settings refuse to start without a secret key unless DEBUG is asked for; the tests run without DEBUG, like
# production, on a plain-HTTP test server (so no HTTPS redirect and cookies that travel over http://).
TEST_ENV = {
    "DJANGO_SECRET_KEY": "django-insecure-tests-only-not-a-secret",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SESSION_COOKIE_SECURE": "false",
    "DJANGO_CSRF_COOKIE_SECURE": "false",
}
CHROMIUM = "/usr/bin/chromium"


def run(*cmd: str | Path, env: dict | None = None, check: bool = True) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env, check=check).returncode


def ensure_venv(requirements: str) -> None:
    """Create .venv and install the requirements when they changed since the last install."""
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
        run(PY, "-m", "pip", "install", "-q", "--upgrade", "pip")
    stamp = VENV / f".installed-{requirements}"
    wanted = "".join((ROOT / name).read_text() for name in ("requirements.txt", requirements))
    if not stamp.exists() or stamp.read_text() != wanted:
        run(PY, "-m", "pip", "install", "-q", "-r", ROOT / requirements)
        stamp.write_text(wanted)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def ensure_services() -> None:
    """Start the local PostgreSQL and Redis when they are installed but down (as on the CI machine)."""
    if not port_open(5432) and shutil.which("pg_ctlcluster"):
        versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if versions:
            run("pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start", check=False)
    if not port_open(6379) and shutil.which("redis-server"):
        run("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "", check=False)
    missing = [name for name, port in (("PostgreSQL", 5432), ("Redis", 6379)) if not port_open(port)]
    if missing and "DATABASE_URL" not in os.environ:
        sys.exit(
            f"测试需要 {' 和 '.join(missing)}（本机标准端口）/ The tests need {' and '.join(missing)} on their "
            "standard local ports (or set DATABASE_URL / REDIS_URL)."
        )


def ensure_chromium() -> None:
    """Browser tests drive Debian's chromium; install it when we can (root with apt), never a downloaded build."""
    if Path(CHROMIUM).exists():
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        run("apt-get", "update", "-qq", check=False)
        run("apt-get", "install", "-y", "-qq", "chromium", check=False)


def demo(args: list[str]) -> None:
    ensure_venv("requirements.txt")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.setdefault("DJANGO_DEBUG", "true")  # a local demo: plain HTTP, and a throwaway key unless one is set
    manage = [PY, "manage.py"]
    run(*manage, "migrate", "--noinput", "-v0", env=env)
    run(*manage, "load_reference_data", env=env)
    run(*manage, "generate_demo_data", "--if-empty", "--patents", os.environ.get("DEMO_PATENTS", "6000"), env=env)
    address = args[0] if args else "127.0.0.1:8000"
    print(f"\nPatentPool: http://{address}/  (Ctrl-C 停止 / to stop)\n", flush=True)
    os.execve(PY, [str(PY), "manage.py", "runserver", address, "--noreload"], env)


def test(args: list[str]) -> None:
    ensure_venv("requirements-dev.txt")
    ensure_services()
    ensure_chromium()
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", TEST_DATABASE_URL)
    env.setdefault("REDIS_URL", TEST_REDIS_URL)
    for name, value in TEST_ENV.items():
        env.setdefault(name, value)
    sys.exit(run(PY, "-m", "pytest", *args, env=env, check=False))


def main() -> None:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
