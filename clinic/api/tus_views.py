"""Resumable uploads of a visit's video: the tus 1.0.0 protocol (core, creation, termination;
https://tus.io/protocols/resumable-upload), for the visit page (tus-js-client) and API clients.

``POST .../visits/<vid>/uploads/`` with ``Upload-Length`` and ``Upload-Metadata`` (base64 values:
``filename``, and optionally ``model``, ``activity``, ``height_m``, ``refine_3d``) answers 201 with
the upload's ``Location``. ``HEAD <location>`` tells ``Upload-Offset``; ``PATCH <location>`` with
``Upload-Offset`` and ``Content-Type: application/offset+octet-stream`` appends bytes (204, the new
``Upload-Offset``); ``DELETE`` abandons it. The PATCH that completes the upload checks the video and
requests its analysis exactly as a one-request upload does; its answer, and every later HEAD, carry
``Analysis-Id`` and ``Analysis-Duplicate``. A refused video is 400 ``upload_refused`` with its
sentence (and the upload is gone); a piece at the wrong offset 409 ``offset_mismatch`` (with the
current offset); an ``Upload-Length`` above ``MAX_UPLOAD_BYTES`` 413 ``too_large``.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any
from uuid import UUID

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.analysis_jobs.config import ConfigError
from clinic.analysis_jobs.upload_check import UploadRefused
from clinic.api.errors import domain_status, error_body
from clinic.domain.errors import DomainError
from clinic.services import analysis as analysis_service
from clinic.services import resumable

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination"
OFFSET_TYPE = "application/offset+octet-stream"
_OPTIONS = ("model", "activity", "height_m", "refine_3d")


class TusError(Exception):
    def __init__(
        self, status_code: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message, self.details = status_code, code, message, details or {}


def _error(status_code: int, code: str, message: str, details: dict[str, Any] | None = None) -> Response:
    return Response(error_body(code, message, details), status=status_code)


def _int_header(request: Request, name: str) -> int:
    raw = request.headers.get(name)
    if raw is None or not raw.isdigit():
        raise TusError(400, "invalid_input", f"The {name} header must be a whole number of bytes.")
    return int(raw)


def parse_metadata(header: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (a value may be absent)."""
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in header.split(","))):
        key, _, encoded = item.partition(" ")
        try:
            pairs[key] = base64.b64decode(encoded, validate=True).decode() if encoded else ""
        except (binascii.Error, UnicodeDecodeError):
            raise TusError(
                400, "invalid_input", f"Upload-Metadata {key[:40]!r} is not base64 of UTF-8 text."
            ) from None
    return pairs


def _options(metadata: dict[str, str]) -> dict[str, Any]:
    """Analysis options from the metadata, typed as the multipart form's (``ConfigError`` if wrong)."""
    options: dict[str, Any] = {k: metadata[k] for k in _OPTIONS if metadata.get(k, "") != ""}
    if "height_m" in options:
        try:
            options["height_m"] = float(options["height_m"])
        except ValueError:
            raise ConfigError(
                f"The body height is in metres (0.5 to 2.5), not {options['height_m'][:20]!r}."
            ) from None
    if "refine_3d" in options:
        options["refine_3d"] = options["refine_3d"].lower() in ("1", "true", "yes", "on")
    return options


class _TusView(APIView):
    """tus headers on every answer, and the protocol version checked on every request but OPTIONS."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method != "OPTIONS" and request.headers.get("Tus-Resumable") != TUS_VERSION:
            raise TusError(412, "unsupported_version", f"Send Tus-Resumable: {TUS_VERSION}.")

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, TusError):
            response = _error(exc.status_code, exc.code, exc.message, exc.details)
            if exc.status_code == 412:
                response["Tus-Version"] = TUS_VERSION
            return response
        if isinstance(exc, UploadRefused | ConfigError):
            return _error(400, "upload_refused", str(exc))
        if isinstance(exc, resumable.OffsetMismatch):
            return _error(409, "offset_mismatch", str(exc), {"offset": exc.offset})
        if isinstance(exc, resumable.UploadBusy):
            return _error(423, "locked", str(exc))
        if isinstance(exc, resumable.TooLong):
            return _error(400, "invalid_input", str(exc))
        if isinstance(exc, DomainError):
            return _error(domain_status(exc), exc.code, exc.message, exc.details)
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = TUS_VERSION
        response["Cache-Control"] = "no-store"
        return response

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(
            status=status.HTTP_204_NO_CONTENT,
            headers={
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": TUS_EXTENSIONS,
                "Tus-Max-Size": str(settings.MAX_UPLOAD_BYTES),
            },
        )


def _state_headers(state: resumable.UploadState) -> dict[str, str]:
    headers = {"Upload-Offset": str(state.offset_bytes), "Upload-Length": str(state.length_bytes)}
    if state.analysis_id is not None:
        headers["Analysis-Id"] = str(state.analysis_id)
        headers["Analysis-Duplicate"] = "true" if state.duplicate else "false"
    return headers


_TUS = OpenApiParameter(
    "Tus-Resumable", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, enum=[TUS_VERSION]
)
_TUS_ERRORS = {
    412: OpenApiResponse(description="Tus-Resumable missing or not 1.0.0"),
    413: OpenApiResponse(description="larger than MAX_UPLOAD_BYTES"),
}


class UploadCreateView(_TusView):
    @extend_schema(
        request=None,
        parameters=[
            _TUS,
            OpenApiParameter("Upload-Length", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(
                "Upload-Metadata",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="filename, and optionally model, activity, height_m, refine_3d: `key base64,...`",
            ),
        ],
        responses={201: OpenApiResponse(description="created; Location names the upload"), **_TUS_ERRORS},
        summary="Start a resumable (tus) upload of a video to a visit",
    )
    def post(self, request: Request, patient_id: UUID, visit_id: UUID) -> Response:
        if "Upload-Defer-Length" in request.headers:
            raise TusError(400, "invalid_input", "Send Upload-Length: a deferred length is not supported.")
        length = _int_header(request, "Upload-Length")
        if length > int(settings.MAX_UPLOAD_BYTES):
            raise TusError(
                413, "too_large",
                f"This upload is {length / 1e6:.1f} MB; the largest video accepted is "
                f"{int(settings.MAX_UPLOAD_BYTES) / 1e6:.1f} MB.",
            )  # fmt: skip
        metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
        state = resumable.upload_create(
            user=request.user,
            patient_id=patient_id,
            visit_id=visit_id,
            length_bytes=length,
            name=metadata.get("filename", ""),
            config=_options(metadata),
        )
        location = reverse(
            "api-visit-upload",
            kwargs={"patient_id": patient_id, "visit_id": visit_id, "upload_id": state.upload_id},
        )
        return Response(status=status.HTTP_201_CREATED, headers={"Location": location, "Upload-Offset": "0"})


class UploadView(_TusView):
    def head(self, request: Request, patient_id: UUID, visit_id: UUID, upload_id: UUID) -> Response:
        state = resumable.upload_status(
            user=request.user, patient_id=patient_id, visit_id=visit_id, upload_id=upload_id
        )
        return Response(status=status.HTTP_200_OK, headers=_state_headers(state))

    @extend_schema(
        request={OFFSET_TYPE: OpenApiTypes.BINARY},
        parameters=[
            _TUS,
            OpenApiParameter("Upload-Offset", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True),
        ],
        responses={
            204: OpenApiResponse(description="appended; Upload-Offset (and Analysis-Id once complete)"),
            415: OpenApiResponse(description="not application/offset+octet-stream"),
            423: OpenApiResponse(description="another request is writing this upload"),
            **_TUS_ERRORS,
        },
        summary="Append bytes to a resumable upload at its offset",
    )
    def patch(self, request: Request, patient_id: UUID, visit_id: UUID, upload_id: UUID) -> Response:
        if request.content_type != OFFSET_TYPE:
            raise TusError(415, "unsupported_media_type", f"Send the bytes as {OFFSET_TYPE}.")
        offset = _int_header(request, "Upload-Offset")
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        # The raw body, read in pieces (never request.data or request.body, which hold it whole).
        source = request.stream if length else None
        state = resumable.upload_append(
            user=request.user,
            patient_id=patient_id,
            visit_id=visit_id,
            upload_id=upload_id,
            offset_bytes=offset,
            source=source or io.BytesIO(),
            length_bytes=length,
        )
        headers = _state_headers(state)
        if state.analysis_id is not None:
            headers["Progress-Group"] = analysis_service.progress_group(visit_id)
        return Response(status=status.HTTP_204_NO_CONTENT, headers=headers)

    @extend_schema(
        request=None,
        parameters=[_TUS],
        responses={204: None, **_TUS_ERRORS},
        summary="Abandon a resumable upload",
    )
    def delete(self, request: Request, patient_id: UUID, visit_id: UUID, upload_id: UUID) -> Response:
        resumable.upload_terminate(
            user=request.user, patient_id=patient_id, visit_id=visit_id, upload_id=upload_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
