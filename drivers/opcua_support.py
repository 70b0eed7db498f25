"""OPC UA helpers shared by the driver and ``hmi-app browse``: readable reasons, node ids by namespace
URI, the client's application URI, the server-certificate trust check, values in a node's real
data type and closing a client without leaking its socket.

Kept apart from :mod:`drivers.opcua` so the driver module stays about its loop and its scans, and so
the command-line browser refuses, explains and identifies itself exactly as the driver does.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from asyncua import Client, ua
from asyncua.common.ua_utils import data_type_to_variant_type
from asyncua.common.utils import ServiceError
from asyncua.crypto import uacrypto
from asyncua.crypto.truststore import TrustStore
from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

# The trust store logs every untrusted certificate with a traceback; the driver reports it itself.
logging.getLogger("asyncuagds.validate").setLevel(logging.CRITICAL)

NUMERIC_VARIANTS = frozenset(
    {
        ua.VariantType.SByte,
        ua.VariantType.Byte,
        ua.VariantType.Int16,
        ua.VariantType.UInt16,
        ua.VariantType.Int32,
        ua.VariantType.UInt32,
        ua.VariantType.Int64,
        ua.VariantType.UInt64,
        ua.VariantType.Float,
        ua.VariantType.Double,
    }
)
_INTEGER_BITS = {
    ua.VariantType.SByte: (8, True),
    ua.VariantType.Byte: (8, False),
    ua.VariantType.Int16: (16, True),
    ua.VariantType.UInt16: (16, False),
    ua.VariantType.Int32: (32, True),
    ua.VariantType.UInt32: (32, False),
    ua.VariantType.Int64: (64, True),
    ua.VariantType.UInt64: (64, False),
}
# Server checks the certificate asks for: validity dates, the URI the server names itself with,
# and trust. Key-usage bits are left to the server's own issuer (many plant CAs set them loosely).
SERVER_CHECKS = (
    CertificateValidatorOptions.TIME_RANGE
    | CertificateValidatorOptions.URI
    | CertificateValidatorOptions.TRUSTED
    | CertificateValidatorOptions.REVOKED
    | CertificateValidatorOptions.PEER_SERVER
)
CONFIG_STATUSES = {"BadNodeIdUnknown", "BadNodeIdInvalid", "BadAttributeIdInvalid", "BadTypeMismatch"}
CertificateCheck = Callable[[x509.Certificate, ua.ApplicationDescription], Awaitable[None]]


def status_text(code: int | ua.StatusCode) -> str:
    """``BadNodeIdUnknown: The node id refers to a node that does not exist ...`` for a status code:
    its name and the standard's sentence, never the bare number."""
    value = code.value if isinstance(code, ua.StatusCode) else int(code)
    name, doc = ua.status_codes.get_name_and_doc(value)
    return f"{name}: {doc.rstrip('.')}" if doc else name


def describe(exc: BaseException) -> str:
    """A human sentence for an exception from asyncua, asyncio or the socket layer."""
    if isinstance(exc, ua.UaStatusCodeError) and not isinstance(exc, ua.UaStatusCodeErrors):
        return status_text(exc.code)
    if isinstance(exc, ua.UaError) and str(exc).startswith("No matching endpoints"):
        return _no_endpoint(str(exc))
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return "the server did not answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "the server refused the connection (nothing listens on that port)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    text = str(exc).strip()
    if isinstance(exc, AssertionError) or not text:  # asyncua asserts on replies it did not expect
        return f"unexpected reply from the server ({type(exc).__name__})"
    return text


def _no_endpoint(text: str) -> str:
    """asyncua's "No matching endpoints: 1, http://...#None" as a sentence."""
    mode, _, policy = text.partition(":")[2].partition(",")
    try:
        mode = ua.MessageSecurityMode(int(mode)).name.rstrip("_")  # None_ is None
    except ValueError:
        mode = mode.strip()
    policy = policy.strip().rpartition("#")[2]
    return (
        f"the server offers no endpoint with security policy {policy} and mode {mode} at this address "
        "(check the path and the security settings)"
    )


def certificate_uri(path: str | Path) -> str | None:
    """The application URI in a certificate's subjectAltName (PEM or DER file), if it has one.

    Servers such as node-opcua refuse a session whose ApplicationUri differs from this URI
    (BadCertificateUriInvalid), so the client must name itself with it.
    """
    cert = _load_certificate(Path(path))
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return None
    uris = san.value.get_values_for_type(x509.UniformResourceIdentifier)
    return uris[0] if uris else None


def _load_certificate(path: Path) -> x509.Certificate:
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def certificate_name(cert: x509.Certificate) -> str:
    """The certificate's common name, what an engineer recognises on both ends."""
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return repr(str(names[0].value) if names else cert.subject.rfc4514_string())


def thumbprint(cert: x509.Certificate) -> str:
    """``SHA-1 ab:cd:...``, the fingerprint OPC UA tools show next to a certificate."""
    digest = hashlib.sha1(cert.public_bytes(Encoding.DER)).hexdigest()  # noqa: S324
    return "SHA-1 " + ":".join(digest[i : i + 2] for i in range(0, 40, 2))


class _TrustList(TrustStore):
    """asyncua's trust store, taking single certificate files as well as folders."""

    async def _load_trust_location(self, location: Path) -> list[x509.Certificate]:
        if location.is_file():
            return [await uacrypto.load_certificate(location)]
        return await super()._load_trust_location(location)


async def server_certificate_check(locations: Sequence[str]) -> CertificateCheck:
    """A check for ``Client.certificate_validator`` that accepts only server certificates found in
    (or issued by a CA found in) ``locations``, and refuses others with a sentence saying why.

    The list is loaded at every connect so a certificate an engineer adds is used without a restart.
    """
    paths = [Path(p) for p in locations]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ValueError(f"configuration error: trusted certificate path {', '.join(missing)} does not exist")
    store = _TrustList(paths, [])
    try:
        await store.load_trust()
    except ValueError as exc:  # an empty store: cryptography refuses to build one
        raise ValueError(
            f"configuration error: no certificate (.der or .pem) in trusted_certificates {list(locations)}"
        ) from exc
    validator = CertificateValidator(SERVER_CHECKS, store)

    async def check(cert: x509.Certificate, server: ua.ApplicationDescription) -> None:
        try:
            await validator.validate(cert, server)
        except ServiceError as exc:
            raise ua.UaError(_refusal(exc.code, cert, server)) from None

    return check


def _refusal(code: int, cert: x509.Certificate, server: ua.ApplicationDescription) -> str:
    # The sentence first and the thumbprint last: a faceplate that clips a long reason keeps the why.
    who, print_ = certificate_name(cert), thumbprint(cert)
    if code == ua.StatusCodes.BadCertificateUntrusted:
        return f"server certificate {who} is not trusted: it is not in the trust list ({print_})"
    if code == ua.StatusCodes.BadCertificateTimeInvalid:
        return (
            f"server certificate {who} is not valid now: valid from {cert.not_valid_before_utc:%Y-%m-%d} "
            f"to {cert.not_valid_after_utc:%Y-%m-%d} ({print_})"
        )
    if code == ua.StatusCodes.BadCertificateUriInvalid:
        return f"server certificate {who} does not name the server's URI {server.ApplicationUri!r} ({print_})"
    return f"server certificate {who} refused: {status_text(code)} ({print_})"


def write_value(raw: float, variant: ua.VariantType) -> object:
    """``raw`` as the Python value of a variant of the node's real type; ValueError if it cannot be."""
    if variant is ua.VariantType.Boolean:
        return bool(raw)
    if variant in (ua.VariantType.Float, ua.VariantType.Double):
        return float(raw)
    if variant in _INTEGER_BITS:
        bits, signed = _INTEGER_BITS[variant]
        value = round(raw)
        low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
        if not low <= value <= high:
            raise ValueError(f"raw value {value} does not fit the node's data type {variant.name}")
        return value
    raise ValueError(f"the node holds {variant.name}; only numbers and booleans can be written")


async def variant_type(client: Client, data_type: ua.NodeId) -> ua.VariantType | None:
    """The built-in type a DataType node stands for (its own id, or that of a base type)."""
    ident = data_type.Identifier
    if data_type.NamespaceIndex == 0 and isinstance(ident, int) and 1 <= ident <= 22:  # built-in
        return ua.VariantType(ident)
    try:
        return await data_type_to_variant_type(client.get_node(data_type))
    except Exception:  # no built-in base type: a structure the HMI cannot map
        return None


async def use_certificate(client: Client, certificate: str) -> None:
    """Name the client with the URI in its certificate: servers that compare the two (node-opcua,
    and asyncua with a validator) refuse the session with BadCertificateUriInvalid otherwise."""
    try:
        uri = certificate_uri(certificate)
    except (OSError, ValueError) as exc:
        raise ValueError(f"configuration error: client certificate {certificate}: {describe(exc)}") from exc
    if uri:
        client.application_uri = uri


async def close_client(client: Client, limit: float) -> None:
    """Close the session if the server still answers within ``limit`` s; the socket in any case."""
    try:
        await asyncio.wait_for(client.disconnect(), limit)
    except Exception as exc:  # a lost session gives no answer to its goodbye
        logging.getLogger(__name__).debug("disconnect: %s", describe(exc))
    finally:
        # asyncua skips closing the socket once its supervisor has marked the session lost, or
        # when the goodbye above is cancelled: close the transport here, or one socket leaks per
        # lost session.
        protocol = client.uaclient.protocol
        if protocol is not None:
            protocol.disconnect_socket()
        client.disconnect_socket()


def resolve_node_id(text: str, namespaces: Sequence[str]) -> ua.NodeId:
    """A node id string; ``nsu=<uri>;`` is replaced by the index of that URI on this server."""
    if text.startswith("nsu="):
        uri, _, rest = text[4:].partition(";")
        if uri not in namespaces:
            raise ValueError(f"configuration error: {text} - namespace {uri!r} is not on the server")
        text = f"ns={list(namespaces).index(uri)};{rest}"
    return ua.NodeId.from_string(text)


def item_reason(status: ua.StatusCode, address: object) -> str:
    """Why one item is bad: a status that means the address is wrong is a configuration error."""
    if status.name in CONFIG_STATUSES:
        return f"configuration error: {address} - {status_text(status)}"
    return f"server status {status_text(status)}"
