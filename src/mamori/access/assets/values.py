"""One canonical spelling for every asset value, and the rules a value must meet.

Two spellings of the same asset (``Bank.Example.`` and ``bank.example``, ``10.0.0.0/24``
and ``10.0.0.0/255.255.255.0``) normalize to one value, so that a duplicate is caught
and a scope check compares like with like. Every refusal is an
:class:`InvalidAssetError` whose ``where`` is ``value``.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import SplitResult, unquote, urlsplit

from mamori.access.assets.errors import InvalidAssetError
from mamori.access.models import AssetKind

MAX_VALUE_CHARS = 500
MAX_NAME_CHARS = 253
# Narrower than this, a block is some organization's; wider, it is a slice of the Internet.
MIN_PREFIX = {4: 16, 6: 32}

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _invalid(message: str, hint: str | None = None) -> InvalidAssetError:
    return InvalidAssetError(message, where="value", hint=hint)


def normalize(kind: AssetKind, raw: object) -> str:
    """The canonical form of ``raw`` as an asset of ``kind``; raises InvalidAssetError."""
    if not isinstance(raw, str):
        raise _invalid("an asset value must be text")
    text = raw.strip()
    if not text:
        raise _invalid("an asset value cannot be empty")
    if len(text) > MAX_VALUE_CHARS:
        raise _invalid(f"an asset value is at most {MAX_VALUE_CHARS} characters")
    if _CONTROL.search(text) or not _encodable(text):
        raise _invalid("an asset value cannot hold control characters or invalid text")
    value = _NORMALIZERS[kind](text)
    if len(value) > MAX_VALUE_CHARS:
        raise _invalid(f"the normalized value is longer than {MAX_VALUE_CHARS} characters")
    return value


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def normalize_domain(text: str) -> str:
    """A fully qualified domain name: lowercase ASCII, no trailing dot, two labels or more."""
    if not text.isascii():
        raise _invalid(
            f"{text!r} is not an ASCII domain name",
            hint="write internationalized names in their A-label form (xn--…)",
        )
    name = text.lower().removesuffix(".")
    if len(name) > MAX_NAME_CHARS:
        raise _invalid(f"a domain name is at most {MAX_NAME_CHARS} characters")
    labels = name.split(".")
    if len(labels) < 2:
        raise _invalid(
            f"{text!r} is not a fully qualified domain name",
            hint="give the full name, e.g. bank.example",
        )
    for label in labels:
        if not _LABEL.fullmatch(label):
            raise _invalid(
                f"{text!r} has an invalid label {label!r}",
                hint="labels are 1-63 letters, digits or hyphens, not starting or ending with one",
            )
    if labels[-1].isdigit():
        raise _invalid(f"{text!r} is neither a domain name nor a valid IP address")
    return name


def parse_ip(text: str) -> IPAddress | None:
    """``text`` as an IP address (IPv4-mapped IPv6 as IPv4), or None if it is not one."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def normalize_host(text: str) -> str:
    """A host: an IP address in its compressed form, or a domain name."""
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if "%" in text:
        raise _invalid(f"{text!r} carries a zone index", hint="give the address without %zone")
    address = parse_ip(text)
    if address is None:
        return normalize_domain(text)
    _refuse_special(address, text)
    return address.compressed


def normalize_cidr(text: str) -> str:
    """A CIDR block with no host bits set and a prefix no broader than MIN_PREFIX."""
    if "%" in text:
        raise _invalid(f"{text!r} carries a zone index", hint="give the block without %zone")
    network = _parse_network(text)
    minimum = MIN_PREFIX[network.version]
    if network.prefixlen < minimum:
        raise _invalid(
            f"{network.with_prefixlen} is too broad to be one organization's",
            hint=f"register IPv{network.version} blocks of /{minimum} or narrower",
        )
    _refuse_special(network, text)
    return network.with_prefixlen


def _parse_network(text: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError:
        pass
    try:
        loose = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise _invalid(
            f"{text!r} is not a CIDR block", hint="write it as address/prefix, e.g. 192.0.2.0/24"
        ) from None
    raise _invalid(
        f"{text!r} has host bits set", hint=f"did you mean {loose.with_prefixlen}?"
    ) from None


def _refuse_special(target: IPAddress | IPNetwork, text: str) -> None:
    # These name every machine, or none, or a group: no organization can own them.
    specials = {
        "unspecified": target.is_unspecified,
        "loopback": target.is_loopback,
        "link-local": target.is_link_local,
        "multicast": target.is_multicast,
        "reserved": target.is_reserved,
    }
    for name, applies in specials.items():
        if applies:
            raise _invalid(
                f"{text!r} is a {name} address, which no organization can own",
                hint="register a routable address or block that your organization holds",
            )


def normalize_repository(text: str) -> str:
    """A local repository as a ``file:///`` URL, or an ``https://`` URL of a remote one."""
    if text.startswith("/"):
        return _local_repository(text)
    try:
        parts = urlsplit(text)
    except ValueError:
        raise _invalid(f"{text!r} is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme == "file":
        return _file_url(parts)
    if scheme == "https":
        return _https_repository(parts)
    raise _invalid(
        f"{text!r} is not a repository location mamori accepts",
        hint="give an absolute path, a file:///path URL or an https:// URL",
    )


def _file_url(parts: SplitResult) -> str:
    if parts.netloc not in ("", "localhost"):
        raise _invalid(
            "a file URL names a directory on this machine",
            hint="write it as file:///absolute/path",
        )
    if parts.query or parts.fragment:
        raise _invalid("a file URL cannot carry a query or a fragment")
    try:
        path = unquote(parts.path, errors="strict")
    except UnicodeDecodeError:
        raise _invalid("the file URL's path is not valid UTF-8 once decoded") from None
    return _local_repository(path)


def _local_repository(path: str) -> str:
    if not path.startswith("/"):
        raise _invalid(f"{path!r} is not an absolute path")
    if _CONTROL.search(path):
        raise _invalid("a repository path cannot hold control characters")
    clean = "/" + posixpath.normpath(path).lstrip("/")
    if clean == "/":
        raise _invalid("the root directory is not a repository", hint="name its directory")
    return PurePosixPath(clean).as_uri()


def _https_repository(parts: SplitResult) -> str:
    if "@" in parts.netloc:
        raise _invalid(
            "a repository URL cannot carry credentials", hint="remove the user:password@ part"
        )
    if parts.query or parts.fragment:
        raise _invalid("a repository URL cannot carry a query or a fragment")
    try:
        port = parts.port
    except ValueError:
        raise _invalid("the repository URL has an invalid port") from None
    if not parts.hostname:
        raise _invalid("the repository URL names no host")
    host = normalize_host(parts.hostname)
    path = parts.path.rstrip("/")
    if not path or re.search(r"\s", path):
        raise _invalid("an https repository URL names a path without spaces, e.g. /bank/app.git")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != 443:
        netloc += f":{port}"
    return f"https://{netloc}{path}"


_NORMALIZERS: dict[AssetKind, Callable[[str], str]] = {
    AssetKind.DOMAIN: normalize_domain,
    AssetKind.HOST: normalize_host,
    AssetKind.CIDR: normalize_cidr,
    AssetKind.REPOSITORY: normalize_repository,
}
