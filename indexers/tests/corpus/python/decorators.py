#!/usr/bin/env python3
import functools


def retry(times):
    """Retries a function."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            for _ in range(times):
                try:
                    return fn(*args, **kwargs)
                except Exception:
                    pass
            return fn(*args, **kwargs)

        return inner

    return wrap


class Base:
    pass


class Service(Base):
    @property
    def name(self):
        return "service"

    @retry(3)
    async def call(self, payload):
        return payload

    @classmethod
    def create(cls):
        return cls()


# A trailing comment.
