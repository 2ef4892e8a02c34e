from audit.context import RequestContext, current
from socialrx.client_ip import client_address


class AuditContextMiddleware:
    """Every audit event written while answering a request carries its id and the client's
    address, by the one rule the rate limits use (socialrx.client_ip: behind
    TRUSTED_PROXY_HOPS proxies, the address the outermost one saw)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current.set(
            RequestContext(
                request_id=getattr(request, "request_id", ""),
                ip=client_address(request),
            )
        )
        try:
            return self.get_response(request)
        finally:
            current.reset(token)
