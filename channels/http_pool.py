"""One pooled HTTP session per process for the adapters that POST to a provider.

`requests.post` builds a new Session for every call: a new TCP (and TLS) connection per
message, and the environment read again each time (proxy variables, CA bundle). The
dispatcher sends from several threads at once, so the adapters share one Session whose
connection pool keeps a keep-alive connection per sending thread.

The session belongs to the process that made it: an RQ worker forks a child per job, and a
child must not write into connections its parent (or a sibling) also uses, so a new process
gets a new session. What `requests` would read from the environment on every call is read
once per URL and passed explicitly (the environment does not change under a running
process). `.netrc` is not consulted: every adapter sends its own credentials.
"""
from __future__ import annotations

import os
from functools import lru_cache
from http.cookiejar import DefaultCookiePolicy
from typing import Any, Mapping

import requests
from requests.adapters import HTTPAdapter

#: Keep-alive connections kept per host; at least the dispatcher's sending threads.
POOL_SIZE = 32

_sessions: dict[int, requests.Session] = {}


def session() -> requests.Session:
    """This process's session (made on first use; safe to call from any thread)."""
    pid = os.getpid()
    current = _sessions.get(pid)
    if current is None:
        if _sessions:
            _sessions.clear()            # inherited from the parent: its sockets, not ours
        made = _new_session()
        current = _sessions.setdefault(pid, made)
        if current is not made:          # another thread got there first
            made.close()
    return current


def post(url: str, **kwargs) -> requests.Response:
    """`requests.post` through this process's pooled session (same arguments, same errors)."""
    return session().post(url, **{**_environment(url), **kwargs})


def post_json(url: str, payload: Any, *, headers: Mapping[str, str],
              timeout: float) -> requests.Response:
    """POST `payload` as JSON: the same request `requests.post(url, json=payload,
    headers=headers)` sends, for a fraction of the work per message.

    The request is prepared once per URL and headers (the session's default headers merged
    in, as `Session.request` does) and only its body changes per message. A redirect is
    not followed: the provider's 3xx is the answer (an API that moves its MT endpoint must
    be reconfigured, not silently re-posted to). Raises what `requests.post` raises.
    """
    request = _prepared(url, tuple(sorted(headers.items()))).copy()
    request.prepare_body(data=None, files=None, json=payload)
    pooled = session()
    response = pooled.get_adapter(url).send(request, stream=False, timeout=timeout,
                                            cert=None, **_environment(url))
    response.content                     # read it all: the connection goes back to the pool
    return response


@lru_cache(maxsize=64)
def _prepared(url: str, headers: tuple[tuple[str, str], ...]) -> requests.PreparedRequest:
    with requests.Session() as defaults:
        defaults.trust_env = False
        return defaults.prepare_request(requests.Request("POST", url, headers=dict(headers)))


def _new_session() -> requests.Session:
    made = requests.Session()
    made.trust_env = False               # read once per URL by `_environment` instead
    # Providers' cookies are not ours to keep, and one jar shared by threads would mix them.
    made.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=POOL_SIZE)
    made.mount("https://", adapter)
    made.mount("http://", adapter)
    return made


@lru_cache(maxsize=64)
def _environment(url: str) -> dict:
    """The proxies and CA bundle `requests` takes from the environment for `url`."""
    with requests.Session() as probe:
        settings = probe.merge_environment_settings(url, {}, None, None, None)
    return {"proxies": settings["proxies"], "verify": settings["verify"]}


__all__ = ["POOL_SIZE", "session", "post", "post_json"]
