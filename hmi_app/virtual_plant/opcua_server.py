"""OPC UA server of one virtual DCS/gateway (asyncua 2.1), in its own asyncio loop thread.

One variable per tag under an Objects folder named after the device, with the node id from the
config (``ns=2;s=...``) and the variant type of the tag's data type; writable tags are writable.
Namespaces are registered in order until every index the config uses exists (index 2 is the
first one a server can own); node ids given by namespace URI (nsu=...) get their URI registered.
Stopping the device stops the server's network side only; the address space, and with it every
value, survives until the plant stops.

Security follows the device config: with Basic256Sha256 the server offers Sign and SignAndEncrypt
only, with a self-signed certificate it makes itself; with ``username_env``/``password_env`` it
accepts only that user (credentials read from the same environment variables as the driver's).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import UTC, datetime

import numpy as np
from asyncua import Server, ua
from asyncua.crypto.permission_rules import User, UserRole

from drivers.opcua import VARIANT_TYPES
from drivers.settings import OpcUaDeviceConfig
from drivers.types import DataType
from hmi_app.virtual_plant.base import LoopDeviceServer, ServedTag

__all__ = ["VARIANT_TYPES", "OpcUaDeviceServer", "self_signed_certificate"]
NAMESPACE_URI = "urn:smelter-hmi:virtual-plant:{device}"
FIRST_SERVER_NAMESPACE = 2

# With security "None" only, asyncua warns on every start that no signing/encrypting policy exists.
logging.getLogger("asyncua.server.server").setLevel(logging.ERROR)


def variant_value(tag: ServedTag, eng: float) -> object:
    """The Python value of the variant a client reads for engineering value ``eng``."""
    raw = tag.to_raw(eng)
    if tag.data_type is DataType.BOOL:
        return bool(raw)
    if tag.data_type is DataType.STRING:
        return tag.text
    if tag.data_type is DataType.FLOAT32:
        return float(np.float32(raw))  # what the wire carries; stored rounded so reads agree
    if tag.data_type is DataType.FLOAT64:
        return float(raw)
    return int(raw)


def self_signed_certificate(common_name: str, app_uri: str) -> tuple[bytes, bytes]:
    """A self-signed OPC UA application certificate (DER) and its private key (PEM)."""
    from asyncua.crypto import cert_gen
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import ExtendedKeyUsageOID

    key = cert_gen.generate_private_key()
    names = [
        x509.UniformResourceIdentifier(app_uri),
        x509.DNSName(socket.gethostname()),
        x509.DNSName("localhost"),
    ]
    cert = cert_gen.generate_self_signed_app_certificate(
        key,
        common_name,
        {},
        names,
        [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH],
    )
    return cert.public_bytes(Encoding.DER), cert_gen.dump_private_key_as_pem(key)


class _EnvUserManager:
    """Accepts exactly the user whose name and password the environment variables held when the
    server was built (a real device's credentials do not change when the client's environment does)."""

    def __init__(self, username_env: str, password_env: str) -> None:
        self._user = os.environ.get(username_env)
        self._secret = os.environ.get(password_env)

    def get_user(
        self,
        iserver: object,
        username: str | None = None,
        password: str | None = None,
        certificate: object = None,
    ) -> User | None:
        if (
            username is not None
            and self._user is not None
            and (username, password) == (self._user, self._secret)
        ):
            return User(role=UserRole.User, name=username)
        return None


def _split_uri(address: str) -> tuple[str | None, str]:
    """("urn:x", "s=Name") for "nsu=urn:x;s=Name"; (None, address) otherwise."""
    if address.startswith("nsu="):
        uri, _, rest = address[4:].partition(";")
        return uri, rest
    return None, address


class OpcUaDeviceServer(LoopDeviceServer):
    rewrite_every_tick = False

    def __init__(self, device: OpcUaDeviceConfig, port: int, tags: Sequence[ServedTag]) -> None:
        super().__init__(device.name, port, tags)
        self.device = device
        self.endpoint = f"opc.tcp://127.0.0.1:{port}{device.path}"
        self.uris = sorted({u for t in self.tags if (u := _split_uri(t.address)[0])})
        self.node_ids: dict[int, ua.NodeId] = {}
        for t in self.tags:
            uri, rest = _split_uri(t.address)
            if uri is None:
                self.node_ids[t.index] = ua.NodeId.from_string(t.address)
            else:  # index patched once the URI is registered
                self.node_ids[t.index] = ua.NodeId.from_string(f"ns={FIRST_SERVER_NAMESPACE};{rest}")
        for t in self.tags:
            if self.node_ids[t.index].NamespaceIndex < FIRST_SERVER_NAMESPACE:
                raise ValueError(f"{t.name}: node id {t.address!r} must be in a namespace >= 2 (ns=2;s=...)")

    def open(self) -> Future[None]:
        self._thread.start()
        return self._thread.submit(self._create())

    async def _create(self) -> None:
        dev = self.device
        users = _EnvUserManager(dev.username_env, dev.password_env) if dev.username_env else None
        server = Server(user_manager=users)  # type: ignore[arg-type]
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_server_name(f"Virtual smelter - {self.name}")
        if dev.security_policy == "None":
            server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        else:
            server.set_security_policy(
                [
                    ua.SecurityPolicyType.Basic256Sha256_Sign,
                    ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
                ]
            )
            cert, key = self_signed_certificate(f"Virtual smelter {self.name}", server._application_uri)
            await server.load_certificate(cert, format="der")
            await server.load_private_key(key, format="pem")
        if users is not None:
            server.set_security_IDs(["Username"])
        by_uri = {t.index for t in self.tags if t.address.startswith("nsu=")}
        plain = [n.NamespaceIndex for t, n in self.node_ids.items() if t not in by_uri]
        needed = max(plain, default=FIRST_SERVER_NAMESPACE)
        idx = await server.register_namespace(NAMESPACE_URI.format(device=self.name))
        while idx < needed:
            idx = await server.register_namespace(NAMESPACE_URI.format(device=self.name) + f":ns{idx + 1}")
        for uri in self.uris:
            ns = await server.register_namespace(uri)
            for t in self.tags:
                if t.index in by_uri and _split_uri(t.address)[0] == uri:
                    old = self.node_ids[t.index]
                    self.node_ids[t.index] = ua.NodeId(old.Identifier, ns, old.NodeIdType)
        folder = await server.nodes.objects.add_folder(
            ua.NodeId(f"VirtualPlant.{self.name}", FIRST_SERVER_NAMESPACE),
            ua.QualifiedName(self.name, FIRST_SERVER_NAMESPACE),
        )
        for tag in self.tags:
            node_id = self.node_ids[tag.index]
            variant = ua.Variant(variant_value(tag, tag.config.range[0]), VARIANT_TYPES[tag.data_type])
            var = await folder.add_variable(
                node_id, ua.QualifiedName(tag.name, node_id.NamespaceIndex), variant
            )
            if tag.config.writable:
                await var.set_writable()
        self._server = server

    async def _start_serving(self) -> None:
        await self._server.start()

    async def _stop_serving(self) -> None:
        await self._server.stop()

    async def _exchange(
        self, reads: Sequence[ServedTag], writes: Sequence[tuple[ServedTag, float]]
    ) -> list[float]:
        assert self._server is not None
        server = self._server
        values = []
        for tag in reads:
            dv = server.read_attribute_value(self.node_ids[tag.index])
            raw = dv.Value.Value
            values.append(float(len(raw)) if isinstance(raw, str) else tag.to_eng(float(raw)))
        now = datetime.now(UTC)
        for tag, eng in writes:
            variant = ua.Variant(variant_value(tag, eng), VARIANT_TYPES[tag.data_type])
            await server.write_attribute_value(
                self.node_ids[tag.index], ua.DataValue(variant, SourceTimestamp=now, ServerTimestamp=now)
            )
        return values
