"""What every router shares: the problem responses it documents, and service access."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request

from gateway.clients import ServiceClients
from gateway.schemas import ProblemOut

PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem documents a route may answer with."""
    base = {401, 404, 422, 429, 500, 503, *statuses}
    return {s: {"model": ProblemOut, "description": "problem+json", "content": PROBLEM_CONTENT} for s in sorted(base)}


async def clients(request: Request) -> ServiceClients:
    return request.app.state.clients  # type: ignore[no-any-return]


Clients = Annotated[ServiceClients, Depends(clients)]
PageSize = Annotated[int, Query(ge=1, le=200)]
PageToken = Annotated[str, Query(max_length=512)]
