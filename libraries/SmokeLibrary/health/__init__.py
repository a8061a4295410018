"""Keywords of the health suite (owned by the health suite's authors)."""


class HealthKeywords:
    """Health-check keywords: health formats, metrics, latency, headers, CORS, rate limits, TLS."""
