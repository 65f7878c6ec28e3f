"""The per-user request rate of the REST API, counted through the broker (shared by every
worker when the broker is Redis): one account cannot take the server's time from the others."""

from fastapi import Depends

from backend.auth.deps import Owner
from backend.deps import ServicesDep
from backend.http.errors import TooManyApiRequests
from backend.limits.rate import seconds_to_wait


async def rest_rate_limit(owner: Owner, services: ServicesDep) -> str:
    """Count this request for its user; 429 with Retry-After beyond the per-minute limit."""
    limit = services.settings.rest_requests_per_minute
    wait = await seconds_to_wait(services.broker, f"rest:{owner}", limit)
    if wait is not None:
        raise TooManyApiRequests(wait)
    return owner


# For a router: every route counts (its owner dependency is shared, verified once).
REST_RATE_LIMIT = Depends(rest_rate_limit)
