"""The self-signed certificate for an https loopback redirect URI."""

from __future__ import annotations

import ipaddress
import os
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509

from itsme_debugger.net import tlscert
from itsme_debugger.net.tlscert import make_self_signed, self_signed_pem


def handshake(server: ssl.SSLContext, client: ssl.SSLContext, hostname: str) -> ssl.SSLObject:
    """A TLS handshake through memory buffers; the client's end when it succeeds."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = client.wrap_bio(c_in, c_out, server_hostname=hostname)
    s = server.wrap_bio(s_in, s_out, server_side=True)
    done = {"c": False, "s": False}
    for _ in range(10):
        for name, end in (("c", c), ("s", s)):
            if not done[name]:
                try:
                    end.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if all(done.values()):
            return c
    raise AssertionError("the handshake did not finish")


def trusting(cert_pem: bytes) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cadata=cert_pem.decode("ascii"))
    return ctx


def server_context(tmp_path: Path, cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return ctx


def test_certificate_names_the_loopback_hosts_and_lives_one_day():
    cert_pem, _ = self_signed_pem()
    cert = x509.load_pem_x509_certificate(cert_pem)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert lifetime.total_seconds() == pytest.approx(86400 + 300)


@pytest.mark.parametrize("hostname", ["127.0.0.1", "localhost", "::1"])
def test_a_client_trusting_the_certificate_accepts_each_loopback_name(
    tmp_path: Path, hostname: str
):
    cert_pem, key_pem = self_signed_pem()
    handshake(server_context(tmp_path, cert_pem, key_pem), trusting(cert_pem), hostname)


def test_a_client_rejects_it_for_another_name(tmp_path: Path):
    cert_pem, key_pem = self_signed_pem()
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(server_context(tmp_path, cert_pem, key_pem), trusting(cert_pem), "example.org")


def test_each_certificate_is_fresh():
    assert self_signed_pem()[0] != self_signed_pem()[0]


def test_make_self_signed_serves_the_certificate():
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    end = handshake(make_self_signed(("127.0.0.1", "localhost")), client, "127.0.0.1")
    der = end.getpeercert(binary_form=True)
    assert der is not None
    san = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert san.value.get_values_for_type(x509.DNSName) == ["localhost"]


def test_the_key_file_is_private_encrypted_and_deleted_at_once(monkeypatch: pytest.MonkeyPatch):
    seen: list[tuple[str, int, bytes]] = []
    real_unlink = os.unlink

    def spy_unlink(path: str) -> None:
        seen.append((path, stat.S_IMODE(os.stat(path).st_mode), Path(path).read_bytes()))
        real_unlink(path)

    monkeypatch.setattr(tlscert.os, "unlink", spy_unlink)
    make_self_signed()
    ((path, mode, content),) = seen
    assert mode == 0o600
    assert b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in content
    assert b"-----BEGIN PRIVATE KEY-----" not in content
    assert not os.path.exists(path)


def test_no_hosts_is_refused():
    with pytest.raises(ValueError, match="at least one host"):
        self_signed_pem(())
