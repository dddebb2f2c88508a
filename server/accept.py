"""Content negotiation: how much a request's Accept header wants a media type (RFC 9110, 12.5.1)."""

from __future__ import annotations


def preference(accept: str, media_type: str) -> tuple[float, int]:
    """The q of the most specific range in `accept` that matches `media_type`, and how specific it is:
    2 the type itself, 1 `type/*`, 0 `*/*`, -1 no range matches (q 0)."""
    kind = media_type.split("/")[0] + "/*"
    found, specificity = 0.0, -1
    for part in accept.split(","):
        media_range, *parameters = (piece.strip().lower() for piece in part.split(";"))
        rank = {media_type: 2, kind: 1, "*/*": 0}.get(media_range, -1)
        if rank <= specificity:
            continue
        weights = [parameter[2:] for parameter in parameters if parameter.startswith("q=")]
        try:
            found = float(weights[0]) if weights else 1.0
        except ValueError:
            found = 0.0
        specificity = rank
    return found, specificity


def quality(accept: str, media_type: str) -> float:
    """How much `accept` wants `media_type`: 0 (not at all) to 1."""
    return preference(accept, media_type)[0]
