"""A self-signed certificate made on the fly, for an https loopback redirect URI.

Some providers accept only https redirect URIs, even on loopback. The certificate is made
fresh for each run (an EC P-256 key, valid one day, for the loopback names) and never kept:
``ssl`` loads a certificate chain only from a file, so the key goes through a temporary file
of mode 0600, encrypted with a random password that lives only in memory, and the file is
deleted as soon as it is loaded. The browser will warn about the certificate; the user
accepts it once for that run.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import ssl
import tempfile
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def self_signed_pem(
    hosts: Iterable[str] = LOOPBACK_HOSTS, *, password: bytes | None = None
) -> tuple[bytes, bytes]:
    """``(certificate, private key)`` in PEM for ``hosts`` (names and IP addresses).

    With ``password`` the key is encrypted with it (PKCS#8, the best encryption available).
    """
    names = list(hosts)
    if not names:
        raise ValueError("a certificate needs at least one host")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"itsme-debugger {names[0]}")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([_san(h) for h in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def make_self_signed(hosts: Iterable[str] = LOOPBACK_HOSTS) -> ssl.SSLContext:
    """A server-side SSLContext with a fresh self-signed certificate for ``hosts``."""
    password = secrets.token_urlsafe(32).encode("ascii")
    cert_pem, key_pem = self_signed_pem(hosts, password=password)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    fd, path = tempfile.mkstemp(prefix="itsme-debugger-", suffix=".pem")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(key_pem + cert_pem)
        context.load_cert_chain(path, password=password)
    finally:
        os.unlink(path)
    return context


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return x509.DNSName(host)


__all__ = ["LOOPBACK_HOSTS", "make_self_signed", "self_signed_pem"]
