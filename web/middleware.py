import uuid

from django.conf import settings


class RequestIdMiddleware:
    """Give every request an id (or keep the proxy's X-Request-ID), echoed in the response so
    a user can quote it and an operator can find the log lines and audit rows."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = (
            incoming[:36] if incoming.isprintable() and incoming else str(uuid.uuid4())
        )
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class PermissionsPolicyMiddleware:
    """Send settings.PERMISSIONS_POLICY (browser features no page uses, refused) on every
    response. Django's SecurityMiddleware sends the other security headers but not this one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response
