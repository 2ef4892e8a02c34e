from audit.context import RequestContext, current


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current.set(
            RequestContext(
                request_id=getattr(request, "request_id", ""),
                ip=request.META.get("REMOTE_ADDR") or None,
            )
        )
        try:
            return self.get_response(request)
        finally:
            current.reset(token)
