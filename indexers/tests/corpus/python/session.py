"""HTTP session helpers (chunker fixture)."""

import json
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 30


@dataclass
class Response:
    status: int
    body: str

    def json(self):
        return json.loads(self.body)


class Session:
    """A session keeps cookies between requests."""

    retries = 3

    def __init__(self, base_url, timeout=DEFAULT_TIMEOUT):
        self.base_url = base_url
        self.timeout = timeout
        self.cookies = {}

    # Sends one request.
    def request(self, method, path, **kwargs):
        url = self.base_url + path
        log.debug("%s %s", method, url)
        for attempt in range(self.retries):
            try:
                return self._send(method, url, **kwargs)
            except IOError:
                log.warning("attempt %d failed", attempt)
        raise IOError("giving up")

    @staticmethod
    def _send(method, url, **kwargs):
        def encode(value):
            return json.dumps(value)

        return Response(200, encode(kwargs))

    class Adapter:
        def mount(self, prefix):
            return prefix


def get(url):
    return Session(url).request("GET", "/")


if __name__ == "__main__":
    print(get("http://localhost").json())
