"""``hmi-app browse opc.tcp://...``: list an OPC UA server's variables as tag-map rows (CSV).

A commissioning engineer points it at a DCS or gateway and pastes the rows into a plant config.
Node ids are written with the namespace index (``ns=2;s=...``) or, with ``--uris``, with the
namespace URI (``nsu=urn:...;s=...``), which survives a server that reorders its namespaces.
Security and login as for the driver: Basic256Sha256 with a client certificate (the client names
itself with the certificate's URI), optionally only towards a server whose certificate is in
``--trust``, and a user whose name and password come from environment variables (never from the
command line). Every failure is one line on stderr and exit code 2; ``browse ... | head`` ends
quietly when the reader has seen enough.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import re
import sys
from typing import Any

from asyncua import Client, Node, ua

from drivers.opcua_support import describe, server_certificate_check, use_certificate

COLUMNS = ("name", "address", "data_type", "writable", "description", "device")
DATA_TYPES = {
    ua.VariantType.Boolean: "bool",
    ua.VariantType.Byte: "uint8",
    ua.VariantType.Int16: "int16",
    ua.VariantType.UInt16: "uint16",
    ua.VariantType.Int32: "int32",
    ua.VariantType.UInt32: "uint32",
    ua.VariantType.Int64: "int64",
    ua.VariantType.UInt64: "uint64",
    ua.VariantType.Float: "float32",
    ua.VariantType.Double: "float64",
    ua.VariantType.String: "string",
}
POLICIES = ("Basic256Sha256", "Aes128Sha256RsaOaep", "Aes256Sha256RsaPss")
_NOT_NAME = re.compile(r"[^A-Za-z0-9_.\-]+")


def tag_name(path: list[str]) -> str:
    """A config-valid tag name from a browse path (letters first, no spaces)."""
    name = ".".join(_NOT_NAME.sub("_", p).strip("_") for p in path if p)
    return name if name[:1].isalpha() else f"T{name}"


async def browse_rows(
    endpoint: str,
    *,
    device: str = "opcua_device",
    uris: bool = False,
    max_depth: int = 8,
    timeout: float = 4.0,
    security: str = "",
    user_env: str = "",
    password_env: str = "",
    trust: list[str] | None = None,
) -> list[dict[str, str]]:
    """Rows for every variable of a supported type under the Objects folder (Server node skipped)."""
    client = Client(endpoint, timeout=timeout)
    if user_env:
        user, password = os.environ.get(user_env), os.environ.get(password_env)
        if user is None or password is None:
            raise ValueError(
                f"environment variables {user_env} and {password_env} must hold the user name and password"
            )
        client.set_user(user)
        client.set_password(password)
    if security:
        await _secure(client, security, trust or [])
    async with client:
        namespaces = await client.get_namespace_array()
        rows: list[dict[str, str]] = []
        seen: set[ua.NodeId] = set()
        await _walk(client.nodes.objects, [], rows, seen, namespaces, device, uris, max_depth)
        return rows


async def _secure(client: Client, security: str, trust: list[str]) -> None:
    parts = security.split(",")
    if len(parts) < 4 or parts[0] not in POLICIES or parts[1] not in ("Sign", "SignAndEncrypt"):
        raise ValueError(
            f"--security {security!r}: expected Policy,Mode,certificate,private_key[,server_certificate] "
            f"with Policy one of {', '.join(POLICIES)} and Mode Sign or SignAndEncrypt"
        )
    await use_certificate(client, parts[2])
    if trust:
        client.certificate_validator = await server_certificate_check(trust)
    await client.set_security_string(security)


async def _walk(
    node: Node,
    path: list[str],
    rows: list[dict[str, str]],
    seen: set[ua.NodeId],
    namespaces: list[str],
    device: str,
    uris: bool,
    depth: int,
) -> None:
    if depth < 0:
        return
    for child in await node.get_children():
        if child.nodeid in seen or child.nodeid.NamespaceIndex == 0:  # the standard's own nodes
            continue
        seen.add(child.nodeid)
        name = (await child.read_browse_name()).Name
        node_class = await child.read_node_class()
        if node_class == ua.NodeClass.Variable:
            row = await _row(child, [*path, name], namespaces, device, uris)
            if row is not None:
                rows.append(row)
        if node_class in (ua.NodeClass.Object, ua.NodeClass.Variable):
            await _walk(child, [*path, name], rows, seen, namespaces, device, uris, depth - 1)


async def _row(
    node: Node, path: list[str], namespaces: list[str], device: str, uris: bool
) -> dict[str, str] | None:
    try:
        variant_type = await node.read_data_type_as_variant_type()
    except Exception:  # a data type without a built-in base: not a tag this HMI can map
        return None
    data_type = DATA_TYPES.get(variant_type)
    if data_type is None:
        return None
    address = node.nodeid.to_string()
    ns = node.nodeid.NamespaceIndex
    if uris and ns > 0:
        address = f"nsu={namespaces[ns]};" + address.split(";", 1)[1] if ";" in address else address
    access = await node.read_attribute(ua.AttributeIds.UserAccessLevel)
    level = int(access.Value.Value or 0)
    description = (await node.read_description()).Text or ""
    return {
        "name": tag_name(path),
        "address": address,
        "data_type": data_type,
        "writable": "true" if level & ua.AccessLevel.CurrentWrite.mask else "false",
        "description": description or path[-1],
        "device": device,
    }


def cmd_browse(args: argparse.Namespace) -> int:
    import logging

    logging.getLogger("asyncua").setLevel(logging.ERROR)
    try:
        rows = asyncio.run(
            browse_rows(
                args.endpoint,
                device=args.device,
                uris=args.uris,
                max_depth=args.depth,
                timeout=args.timeout,
                security=args.security or "",
                user_env=args.user_env or "",
                password_env=args.password_env or "",
                trust=args.trust,
            )
        )
    except Exception as exc:  # whatever the server, network or arguments did: one line, no traceback
        print(f"browse {args.endpoint} failed: {describe(exc)}", file=sys.stderr)
        return 2
    try:
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (``| head``) has all it wants. Point stdout at /dev/null so the interpreter's
        # last flush does not complain about the closed pipe either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def register(sub: Any) -> None:
    """Add ``browse`` to the ``hmi-app`` sub-commands."""
    browse = sub.add_parser("browse", help="list an OPC UA server's variables as tag-map CSV rows")
    browse.add_argument("endpoint", help="opc.tcp://host:port/path")
    browse.add_argument("--device", default="opcua_device", help="device name written into each row")
    browse.add_argument("--uris", action="store_true", help="write namespace URIs (nsu=) instead of indices")
    browse.add_argument("--depth", type=int, default=8, help="how deep to browse below Objects")
    browse.add_argument("--timeout", type=float, default=4.0, help="seconds per request")
    browse.add_argument(
        "--security",
        help="asyncua security string, e.g. Basic256Sha256,SignAndEncrypt,client.der,client.pem",
    )
    browse.add_argument(
        "--trust",
        action="append",
        metavar="PATH",
        help="trusted server certificate file or folder (repeatable); others are refused",
    )
    browse.add_argument("--user-env", help="environment variable holding the user name")
    browse.add_argument("--password-env", help="environment variable holding the password")
    browse.set_defaults(func=cmd_browse)
