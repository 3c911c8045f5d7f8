"""The freelancer's "Download all my records": every record as one ZIP, streamed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from freelance.export.writer import safe_name, stream_export


@login_required
@require_GET
def download(request: HttpRequest) -> StreamingHttpResponse:
    """Only the logged-in freelancer's own records; reading them changes nothing."""
    filename = f"mijlpaal-{safe_name(request.user.get_username())}-{timezone.localdate():%Y-%m-%d}.zip"
    response = StreamingHttpResponse(stream_export(request.user), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response
