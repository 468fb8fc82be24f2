"""The bootstrap JSON of a server-rendered page, so its front end never flickers.

The page carries the features (GrowthBook payload), the visitor's attributes
and the values the server computed, in a ``json_script`` element; the
front end starts its SDK from them synchronously instead of fetching first:

    const boot = JSON.parse(document.getElementById("flags-bootstrap").textContent);
    const gb = new GrowthBook({features: boot.features, attributes: boot.attributes});
"""

from typing import Any

from flags import api, payload, snapshot


def bootstrap(request) -> dict[str, Any]:
    flags = getattr(request, "flags", None)
    attributes = flags.attributes if flags is not None else api.attributes_for(getattr(request, "user", None))
    snap = snapshot.current()
    if snap is None:
        return {"features": {}, "attributes": attributes, "values": {}}
    values = flags.all() if flags is not None else api.evaluate_all(attributes)
    return {
        "features": payload.sdk_payload(snap)["features"],
        "attributes": attributes,
        "values": values,
        "dateUpdated": payload.date_updated(snap),
    }
