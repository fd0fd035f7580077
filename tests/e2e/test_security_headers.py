"""Security headers: no-store on everything that may carry patient data, the Content-Security-Policy,
no inline script in the templates, and the HTTPS settings ``check --deploy`` asks for."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.e2e.test_pages import _store_recording
from tests.factories import make_evaluation, make_patient, make_practice

REPO = Path(__file__).resolve().parents[2]


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.django_db(transaction=True)
def test_every_response_with_patient_data_is_no_store(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    practice = make_practice()
    patient = make_patient(practice.therapist)
    visit_id, _ = make_evaluation(practice.therapist, patient)
    sha = _store_recording(practice.therapist, patient, visit_id, 10)
    client = Client()
    client.force_login(practice.therapist)
    base = f"/patients/{patient.id}"
    for url, content_type in (
        (f"{base}/", "text/html"),
        (f"{base}/reports/evaluation.pdf", "application/pdf"),
        (f"{base}/measurements.csv", "text/csv"),
        (f"{base}/fhir.json", "application/fhir+json"),
        (f"{base}/sequences/{sha}.json", "application/json"),
        (f"{base}/recordings/{sha}.csv", "text/csv"),
        (f"/api/patients/{patient.id}/", "application/json"),
        (f"/api/patients/{patient.id}/reports/progress/", "application/pdf"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith(content_type), (url, response["Content-Type"])
        assert response["Cache-Control"] == "no-store", url
    # Errors and redirects may name patients too.
    assert Client().get(f"{base}/")["Cache-Control"] == "no-store"
    assert client.get(f"/patients/{practice.practice_id}/")["Cache-Control"] == "no-store"


def test_static_files_keep_their_caching(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/static/clinic/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Content-Security-Policy" not in response


@pytest.mark.django_db(transaction=True)
def test_pages_carry_a_strict_content_security_policy(client) -> None:  # type: ignore[no-untyped-def]
    practice = make_practice()
    patient = make_patient(practice.therapist)
    client.force_login(practice.therapist)
    chart = _directives(client.get(f"/patients/{patient.id}/")["Content-Security-Policy"])
    assert chart["default-src"] == ["'self'"]
    assert chart["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no wasm
    assert "'unsafe-inline'" not in chart["style-src"]
    assert chart["frame-ancestors"] == ["'none'"]
    assert chart["connect-src"] == ["'self'", "ws://testserver"]  # this host's sockets, not any ws:
    assert chart["img-src"] == ["'self'", "data:", "blob:"] and chart["media-src"] == ["'self'", "blob:"]
    live = _directives(client.get(f"/patients/{patient.id}/capture/")["Content-Security-Policy"])
    assert live["script-src"] == ["'self'", "'wasm-unsafe-eval'"]  # the in-browser pose model
    secure = _directives(client.get(f"/patients/{patient.id}/", secure=True)["Content-Security-Policy"])
    assert secure["connect-src"] == ["'self'", "wss://testserver"]
    login = Client().get("/login/")
    assert "'unsafe-inline'" not in _directives(login["Content-Security-Policy"])["script-src"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)


# Files that are never a page of the site: the validation report's standalone HTML is a download
# (served as an attachment, opened from disk, so one file carries its own styles), never scripts.
STANDALONE_FILES = {"templates/clinic/validation_report_file.html"}


def test_templates_have_no_inline_script() -> None:
    """The CSP blocks inline <script>, on*="" handlers, javascript: URLs and <style> elements."""
    found = []
    for template in sorted((REPO / "templates").rglob("*.html")):
        text = template.read_text()
        standalone = str(template.relative_to(REPO)) in STANDALONE_FILES
        for pattern in (
            (INLINE_SCRIPT, EVENT_HANDLER, JS_URL)
            if standalone
            else (INLINE_SCRIPT, EVENT_HANDLER, JS_URL, STYLE_ELEMENT)
        ):
            found += [f"{template.relative_to(REPO)}: {m.group(0)[:60]}" for m in pattern.finditer(text)]
    assert found == []


def _check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # Browser tests in the same run set DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly flags.
    unset = ("DATABASE_URL", "REDIS_URL", "DEBUG", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(
        DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="clinic.config.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="clinic.example.org",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_https_and_cookies_stay_plain_without(tmp_path: Path) -> None:
    https = _check_deploy(tmp_path / "https", HTTPS="true")
    assert https.returncode == 0, https.stdout + https.stderr
    assert "no issues" in https.stdout
    # The embedded default serves plain http on 127.0.0.1: Secure cookies would never come back.
    plain = _check_deploy(tmp_path / "plain")
    assert plain.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in plain.stderr, plain.stderr
