"""lrs.outbound: which addresses are public, the operator's allow-list, and the guard's requests
(one lookup per connection, TLS verified against the host name, no redirects, bounded answers).
End-to-end refusals through the import and forwarding pages: tests/security/test_outbound_guard.py."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lrs.app import create_app
from lrs.config import Config
from lrs.errors import BlockedAddress, OutboundError
from lrs.outbound import AllowList, Guard, classify, status_text
from tests.conftest import SECRET_KEY
from tests.security.loopback import Answer, loopback_server, no_traffic_off_this_machine  # noqa: F401

NOT_PUBLIC = {
    "127.0.0.1": "a loopback address",
    "127.255.0.9": "a loopback address",
    "::1": "a loopback address",
    "0.0.0.0": "an unspecified address",
    "::": "an unspecified address",
    "10.0.0.1": "a private address",
    "172.31.255.255": "a private address",
    "192.168.0.1": "a private address",
    "fd00::1": "a private address",
    "169.254.169.254": "a link-local address",
    "fe80::1": "a link-local address",
    "224.0.0.1": "a multicast address",
    "239.255.255.250": "a multicast address",
    "ff02::1": "a multicast address",
    "100.64.0.1": "a shared (carrier-grade NAT) address",
    "255.255.255.255": "a private address",
    "240.0.0.1": "a private address",
    "192.0.0.8": "an IETF protocol address",
    "192.88.99.1": "a 6to4 relay address",
    "2001:db8::1": "a private address",
    "fec0::1": "a site-local address",
    "::7f00:1": "a reserved address",
    "::ffff:127.0.0.1": "an IPv4-mapped form of 127.0.0.1, a loopback address",
    "::ffff:169.254.169.254": "an IPv4-mapped form of 169.254.169.254, a link-local address",
    "64:ff9b::a00:1": "a NAT64 form of 10.0.0.1, a private address",
    "2002:7f00:1::1": "a 6to4 form of 127.0.0.1, a loopback address",
}
PUBLIC = ["93.184.216.34", "1.1.1.1", "2606:4700::1111", "2a00:1450:4001:80b::200e",
          "::ffff:93.184.216.34", "64:ff9b::5db8:d822", "2002:5db8:d822::1"]


@pytest.mark.parametrize("address, reason", NOT_PUBLIC.items())
def test_addresses_outside_the_public_internet_are_named_for_what_they_are(address, reason):
    assert classify(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert classify(ipaddress.ip_address(address)) is None


# -- the allow-list -------------------------------------------------------------------------------


def _check(guard: Guard, host: str, port: int, *addresses: str) -> None:
    guard.check(host, port, [ipaddress.ip_address(a) for a in addresses])


def test_the_allow_list_admits_names_ports_and_networks():
    guard = Guard(allow=AllowList.parse("lrs.internal, records.internal:8443, 10.1.0.0/16, 127.0.0.1:8123, [::1]:9"))
    _check(guard, "lrs.internal", 443, "10.9.9.9")            # a name: whatever it resolves to, any port
    _check(guard, "LRS.Internal.", 80, "192.168.5.5")         # names match without case or the final dot
    _check(guard, "records.internal", 8443, "10.9.9.9")
    _check(guard, "anything.example", 443, "10.1.200.3")      # a network: any name resolving into it
    _check(guard, "127.0.0.1", 8123, "127.0.0.1")
    _check(guard, "::ffff:127.0.0.1", 8123, "::ffff:127.0.0.1")  # the mapped form is the same address
    _check(guard, "::1", 9, "::1")
    for host, port, address in [("records.internal", 443, "10.9.9.9"), ("127.0.0.1", 8124, "127.0.0.1"),
                                ("anything.example", 443, "10.2.0.1"), ("::1", 10, "::1"),
                                ("lrs.internal.evil.example", 443, "10.9.9.9")]:
        with pytest.raises(BlockedAddress):
            _check(guard, host, port, address)


def test_a_name_with_one_internal_address_among_public_ones_is_refused():
    with pytest.raises(BlockedAddress) as refused:
        _check(Guard(), "mixed.example", 443, "93.184.216.34", "10.0.0.7")
    assert refused.value.message == ("mixed.example resolves to a private address;"
                                     " an operator can allow it with LRS_OUTBOUND_ALLOW")
    assert "10.0.0.7" not in refused.value.message  # what a name resolves to inside is not told
    _check(Guard(), "public.example", 443, "93.184.216.34", "2606:4700::1111")


@pytest.mark.parametrize("entry", ["lrs.internal:port", "10.0.0.0/33", "[lrs.internal]:80", "two words",
                                   "1.2.3.4:70000", "host:"])
def test_a_mistyped_allow_list_entry_is_refused_with_its_text(entry):
    with pytest.raises(ValueError, match="LRS_OUTBOUND_ALLOW") as refused:
        AllowList.parse(entry)
    assert entry.split(":")[0] in str(refused.value)


def test_the_allow_list_comes_from_the_environment_and_stops_a_bad_start(monkeypatch, tmp_path):
    monkeypatch.setenv("LRS_OUTBOUND_ALLOW", "lrs.internal, 10.0.0.0/8 ,,127.0.0.1:8123")
    monkeypatch.setenv("LRS_OUTBOUND_MAX_BYTES", "1048576")
    config = Config.from_env()
    assert config.outbound_allow == ("lrs.internal", "10.0.0.0/8", "127.0.0.1:8123")
    assert Guard.of(config).max_bytes == 1048576
    assert Config.from_env({"outbound_allow": "a.example,b.example"}).outbound_allow == ("a.example", "b.example")
    with pytest.raises(ValueError, match="'10.0.0.0/40' is not a host"):
        create_app({"home": tmp_path, "secret_key": SECRET_KEY, "outbound_allow": ("10.0.0.0/40",)})


# -- addresses that are not web addresses -----------------------------------------------------------


@pytest.mark.parametrize("url, says", [
    ("ftp://lrs.example.org/xapi/", "only http and https addresses can be used, not ftp"),
    ("file:///etc/passwd", "only http and https addresses can be used, not file"),
    ("gopher://127.0.0.1:6379/_INFO", "only http and https addresses can be used, not gopher"),
    ("lrs.example.org/xapi", "only http and https addresses can be used, not none"),
    ("http:///xapi/", "names no host"),
    ("http://lrs.example.org:http/xapi/", "is not an address like"),
])
def test_only_http_and_https_addresses_with_a_host(url, says):
    with pytest.raises(OutboundError) as refused:
        Guard().get(url)
    assert says in refused.value.message and not refused.value.retryable


def test_status_codes_are_told_with_the_standards_reason():
    assert status_text(401) == "401 Unauthorized" and status_text(503) == "503 Service Unavailable"
    assert status_text(599) == "599"


# -- requests --------------------------------------------------------------------------------------


def test_a_connection_uses_the_address_that_was_checked_and_looks_the_name_up_once(monkeypatch):
    lookups = []
    real = socket.getaddrinfo

    def spy(host, *args, **kwargs):  # the real resolver, counted
        lookups.append(host)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    with loopback_server(lambda method, path: Answer(200, {}, b"hello")) as server:
        answer = Guard(allow=AllowList.parse(f"localhost:{server.port}")).get(f"http://localhost:{server.port}/")
    assert (answer.status_code, answer.content) == (200, b"hello")
    assert lookups.count("localhost") == 1  # checked once; the connection went to the checked address
    assert set(lookups) <= {"localhost", "127.0.0.1", "::1"}


def test_a_refused_name_is_never_connected_to(no_traffic_off_this_machine):
    with loopback_server() as server:
        with pytest.raises(BlockedAddress, match="localhost resolves to a loopback address"):
            Guard().post(f"http://localhost:{server.port}/xapi/statements", data=b"[]")
    assert server.hits == [] and no_traffic_off_this_machine == []


def test_no_redirect_is_followed_and_the_location_is_not_told():
    with loopback_server() as inside:
        secret_place = f"http://127.0.0.1:{inside.port}/admin?token=abc"
        with loopback_server(lambda m, p: Answer(307, {"Location": secret_place})) as outside:
            guard = Guard(allow=AllowList.parse(f"127.0.0.1:{outside.port},127.0.0.1:{inside.port}"))
            with pytest.raises(OutboundError) as refused:
                guard.get(f"{outside.url}/xapi/statements")
    assert "307 Temporary Redirect, a redirect; redirects are not followed" in refused.value.message
    assert "admin" not in refused.value.message and not refused.value.retryable
    assert inside.hits == []  # not followed even where the operator would allow it


def test_a_compressed_answer_counts_at_its_full_size():
    import gzip

    bomb = gzip.compress(b"0" * (4 * 1024 * 1024))  # 4 MiB of zeros in about 4 KB
    with loopback_server(lambda m, p: Answer(200, {"Content-Encoding": "gzip"}, bomb)) as server:
        guard = Guard(allow=AllowList.parse(f"127.0.0.1:{server.port}"), max_bytes=1024 * 1024)
        with pytest.raises(OutboundError, match="the answer was larger than 1 MiB"):
            guard.get(f"{server.url}/")
    assert len(bomb) < 1024 * 1024


def _certificate(tmp_path, name: str):
    """A CA, and a certificate it signed for ``name`` only (no IP address in it)."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    files = {name: tmp_path / name for name in ("ca.pem", "cert.pem", "key.pem")}
    files["ca.pem"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files["cert.pem"].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    files["key.pem"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    return str(files["ca.pem"]), (str(files["cert.pem"]), str(files["key.pem"]))


def test_tls_is_verified_against_the_host_name_while_the_connection_goes_to_the_checked_address(tmp_path):
    ca, tls = _certificate(tmp_path, "localhost")
    with loopback_server(lambda m, p: Answer(200, {}, b"over tls"), tls=tls) as server:
        allow = AllowList.parse(f"localhost:{server.port},127.0.0.1:{server.port}")
        trusting = Guard(allow=allow, ca_bundle=ca)
        assert trusting.get(f"https://localhost:{server.port}/").content == b"over tls"
        with pytest.raises(OutboundError, match=f"could not verify the TLS certificate of 127.0.0.1:{server.port}"):
            trusting.get(f"https://127.0.0.1:{server.port}/")  # the certificate names localhost only
        with pytest.raises(OutboundError, match="could not verify the TLS certificate of localhost"):
            Guard(allow=allow).get(f"https://localhost:{server.port}/")  # the test CA is not trusted by default
    assert len(server.hits) == 1
