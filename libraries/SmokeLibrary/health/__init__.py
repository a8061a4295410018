"""Keywords of the health suite (owned by the health suite's authors).

Each concern lives in its own module; :class:`HealthKeywords` combines their keyword classes
into the mixin that ``SmokeLibrary`` inherits.
"""

from __future__ import annotations

from .auth import AuthProbeKeywords
from .cors import CorsKeywords
from .errors import ErrorBodyKeywords
from .headers import SecurityHeaderKeywords
from .health_formats import HealthFormatKeywords
from .latency import LatencyKeywords
from .metrics import MetricsKeywords
from .ratelimit import RateLimitKeywords
from .tls import TlsKeywords


class HealthKeywords(
    HealthFormatKeywords,
    MetricsKeywords,
    LatencyKeywords,
    AuthProbeKeywords,
    RateLimitKeywords,
    CorsKeywords,
    SecurityHeaderKeywords,
    ErrorBodyKeywords,
    TlsKeywords,
):
    """Health-check keywords: health formats, metrics, latency, headers, CORS, rate limits, TLS."""
