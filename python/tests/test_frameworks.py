"""Real frameworks behind a real ostiumd that starts them with ``exec``: a Flask
application and a Django one (a page, a form POST with its CSRF token, JSON), checked
with curl and http.client. Skipped, saying so, where the framework is not installed
(``.ci/run`` installs both)."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, ostiumd_binary

FLASK_APP = """
from flask import Flask, jsonify, request
app = Flask(__name__)

@app.get("/")
def index():
    return "hello from flask"

@app.post("/json")
def echo_json():
    return jsonify(received=request.get_json(), method=request.method)

@app.post("/form")
def form():
    return "name=" + request.form["name"]
"""

DJANGO_APP = """
from django.conf import settings
settings.configure(
    DEBUG=False, SECRET_KEY="test-only", ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"],
    MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
    INSTALLED_APPS=[], USE_TZ=True,
)
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.core.wsgi import get_wsgi_application
import json

def index(request):
    return HttpResponse("hello from django")

def form(request):
    if request.method == "POST":
        return HttpResponse("name=" + request.POST["name"])
    return HttpResponse(get_token(request))

@csrf_exempt
def echo_json(request):
    return JsonResponse({"received": json.loads(request.body), "method": request.method})

urlpatterns = [path("", index), path("form", form), path("json", echo_json)]
application = get_wsgi_application()
"""


def _behind_ostiumd(workdir: Path, module: str, source: str) -> tuple:
    (workdir / f"{module}.py").write_text(source)
    door = workdir / f"{module}.door"
    config = workdir / f"{module}.conf"
    command = f"{sys.executable} -m ostium.wsgi {module} --door {{door}}"
    config.write_text(f'forward http 127.0.0.1:0 to {door} {{\n  exec "{command}"\n}}\n')
    env = {"PYTHONPATH": f"{ROOT / 'python'}:{workdir}", "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(
        [ostiumd_binary(), "--config", str(config)],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()
    port = int(re.search(r":(\d+)", line).group(1))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _get(port, "/")[0] == 200:
            return process, port
        time.sleep(0.1)
    process.terminate()
    raise AssertionError(f"{module} never answered behind ostiumd")


def _get(port: int, target: str, method: str = "GET", body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, target, body=body, headers=headers or {})
    answer = connection.getresponse()
    result = answer.status, answer.getheaders(), answer.read()
    connection.close()
    return result


def _curl(*args: str) -> str:
    return subprocess.run(["curl", "-s", *args], capture_output=True, text=True, timeout=30).stdout


def test_a_flask_application(workdir: Path) -> None:
    pytest.importorskip("flask", reason="Flask is not installed (pip install flask)")
    process, port = _behind_ostiumd(workdir, "flask_app", FLASK_APP)
    try:
        base = f"http://127.0.0.1:{port}"
        assert _curl(f"{base}/") == "hello from flask"
        answer = json.loads(
            _curl("-H", "Content-Type: application/json", "-d", '{"a": [1, 2]}', f"{base}/json")
        )
        assert answer == {"received": {"a": [1, 2]}, "method": "POST"}
        assert _curl("-d", "name=d%C3%A9j%C3%A0", f"{base}/form") == "name=déjà"
        status, _, _ = _get(port, "/missing")
        assert status == 404
    finally:
        process.terminate()
        process.wait(10)


def test_a_django_application_with_csrf(workdir: Path) -> None:
    pytest.importorskip("django", reason="Django is not installed (pip install django)")
    process, port = _behind_ostiumd(workdir, "django_app", DJANGO_APP)
    try:
        base = f"http://127.0.0.1:{port}"
        assert _curl(f"{base}/") == "hello from django"
        jar = workdir / "cookies"
        token = _curl("-c", str(jar), f"{base}/form")
        assert re.fullmatch(r"[A-Za-z0-9]{32,64}", token), token
        posted = _curl(
            "-b",
            str(jar),
            "-H",
            f"X-CSRFToken: {token}",
            "-H",
            f"Referer: {base}/form",
            "-d",
            "name=ada",
            f"{base}/form",
        )
        assert posted == "name=ada"
        status, _, _ = _get(
            port,
            "/form",
            "POST",
            b"name=eve",
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 403, "a POST without the CSRF token is refused"
        status, _, body = _get(
            port, "/json", "POST", b'{"n": 1}', {"Content-Type": "application/json"}
        )
        assert (status, json.loads(body)) == (200, {"received": {"n": 1}, "method": "POST"})
    finally:
        process.terminate()
        process.wait(10)
