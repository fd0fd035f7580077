"""Progress of a visit's offline analyses over a WebSocket: ``ws/patients/<id>/visits/<vid>/analyses/``.

The consumer joins the Channels group :func:`clinic.services.analysis.progress_group` of the visit
and relays every ``analysis.progress`` message the tasks send as JSON
(``{"analysis_id", "stage", "percent", "status", "message"}``); a message from the client is
answered with ``{"type": "error", "code": "not_accepted", ...}`` and otherwise ignored. Only an
authenticated user who may see the patient (and a visit of that patient) gets a connection:
otherwise the handshake is refused with 4401 (not logged in) or 4404 (not visible), as for live
capture.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from clinic.services.analysis import progress_group

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_NOT_VISIBLE = 4404


@database_sync_to_async
def _may_follow(user: Any, patient_id: UUID, visit_id: UUID) -> bool:
    from clinic.access.policy import can_see
    from clinic.projections.models import VisitView

    return (
        can_see(user, patient_id)
        and VisitView.objects.filter(patient_id=patient_id, visit_id=visit_id).exists()
    )


class AnalysisProgressConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group: str = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        kwargs = self.scope["url_route"]["kwargs"]
        patient_id, visit_id = kwargs["patient_id"], kwargs["visit_id"]
        if not await _may_follow(user, patient_id, visit_id):
            await self.close(code=CLOSE_NOT_VISIBLE)
            return
        self.group = progress_group(visit_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        """The page only listens: anything sent (of any size, JSON or not) is answered with an error."""
        await self.send_json(
            {
                "type": "error",
                "code": "not_accepted",
                "message": "This connection only sends analysis progress; it does not accept messages.",
            }
        )

    async def analysis_progress(self, event: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in event.items() if k != "type"})
