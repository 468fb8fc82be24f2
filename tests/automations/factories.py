from bizops.automations.models import WebhookEndpoint


def endpoint(
    receiver, path: str, *, types=("job.failed",), fmt="json", fail=None, **fields
) -> WebhookEndpoint:
    ep = WebhookEndpoint(name=path.strip("/") or "root", format=fmt, event_types=list(types), **fields)
    ep.url = receiver.on(path, ep.secret, fail=fail)
    ep.save()
    return ep
