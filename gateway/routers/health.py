from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from libs.health import is_serving

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the gateway process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: every service answers its gRPC health check",
    responses={503: {"description": "a service is not serving"}},
)
async def readyz(request: Request) -> JSONResponse:
    targets = request.app.state.clients.targets
    results = {name: await is_serving(target, timeout=1.0) for name, target in targets.items()}
    ok = all(results.values())
    body = {
        "status": "ready" if ok else "not ready",
        "services": {k: "serving" if v else "down" for k, v in results.items()},
    }
    return JSONResponse(body, status_code=200 if ok else 503)
