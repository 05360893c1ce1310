"""Nothing the user saved is lost: a save killed at any moment leaves the old file or the new
one, whole; a profile file that cannot be read is reported and never overwritten.

The kill test runs the real save path (``ProfileStore.save``, that is ``atomic.write_atomic``)
in a child process that saves two versions of a profile in turn as fast as it can, and kills
it with SIGKILL after a random delay, many times over. A small fork server keeps the imports
out of the loop, so each round costs a fork, not a Python start-up.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from itsme_debugger.core.claims import ClaimSpec, ClaimsRequest
from itsme_debugger.core.errors import ConfigError
from itsme_debugger.core.profile import (
    ClientConfig,
    Profile,
    ProviderConfig,
    RequestConfig,
    parse_profile,
    profile_to_toml,
)
from itsme_debugger.ui.profile_store import FileSecrets, ProfileStore

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill test forks"),
    pytest.mark.timeout(60),
]
ITSME = "http://itsme.services/v2/claim/"
ROUNDS = 60

#: The fork server: saves the first version once, then for each "go" forks a child that saves
#: the versions in turn until it is killed, prints the child's pid, and reaps it.
SERVER = r"""
import os, sys
from pathlib import Path
from itsme_debugger.core.profile import parse_profile
from itsme_debugger.ui.profile_store import FileSecrets, ProfileStore

folder = Path(sys.argv[1])
store = ProfileStore(folder, secrets=FileSecrets(folder / "secrets.json"))
versions = [parse_profile(Path(p).read_text(encoding="utf-8")) for p in sys.argv[2:]]
store.save("p", versions[0])
print("ready", flush=True)
for line in sys.stdin:
    if line.strip() != "go":
        break
    pid = os.fork()
    if pid == 0:
        i = 1
        while True:
            store.save("p", versions[i % len(versions)])
            i += 1
    print(pid, flush=True)
    os.waitpid(pid, 0)
    print("reaped", flush=True)
"""


def version(name: str, claims: int) -> Profile:
    """A profile of a few kilobytes, so that a kill can land in the middle of a write."""
    wanted = {f"{ITSME}claim_{name}_{i}": ClaimSpec(essential=i % 2 == 0) for i in range(claims)}
    return Profile(
        name=name,
        provider=ProviderConfig(issuer="https://idp.e2e.itsme.services/v2", variant="itsme-v2"),
        client=ClientConfig(
            client_id=f"client-{name}", auth_method="private_key_jwt", keys="/keys/p.json"
        ),
        request=RequestConfig(
            scope=("openid", "service:TEST_code"),
            claims=ClaimsRequest(id_token=wanted, userinfo=wanted),
        ),
    )


def test_a_save_killed_at_any_moment_leaves_the_old_or_the_new_file_whole(
    tmp_path: Path,
) -> None:
    old, new = version("old", 40), version("new", 90)
    texts = {profile_to_toml(p): p.name for p in (old, new)}
    sources = []
    for p in (old, new):
        source = tmp_path / f"{p.name}.toml"
        source.write_text(profile_to_toml(p), encoding="utf-8")
        sources.append(str(source))
    folder = tmp_path / "config"
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(folder), *sources],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    seen = {"old": 0, "new": 0}
    leftovers = 0
    rng = random.Random(7)
    path = folder / "profiles" / "p.toml"
    try:
        assert server.stdout.readline().strip() == "ready"
        t0 = time.monotonic()
        for _ in range(ROUNDS):
            server.stdin.write("go\n")
            server.stdin.flush()
            child = int(server.stdout.readline())
            time.sleep(rng.choice([0, rng.uniform(0, 0.02)]))
            os.kill(child, signal.SIGKILL)
            assert server.stdout.readline().strip() == "reaped"
            text = path.read_text(encoding="utf-8")
            assert text in texts, "neither the old file nor the new one"
            seen[texts[text]] += 1
            parse_profile(text)  # whole and parseable
            stored = ProfileStore(folder, secrets=FileSecrets(folder / "secrets.json")).profiles()
            assert [(s.id, s.error) for s in stored] == [("p", None)]
            temporary = [p for p in path.parent.iterdir() if p.name != "p.toml"]
            leftovers += bool(temporary)
            for p in temporary:  # what a kill leaves behind: ignored by the store
                assert p.name.startswith(".p.toml.") and p.name.endswith(".tmp")
                p.unlink()
        elapsed = time.monotonic() - t0
    finally:
        server.stdin.close()
        server.wait(10)
    assert seen["old"] and seen["new"], seen  # the kills landed at different moments
    assert elapsed < 30
    print(f"{ROUNDS} kills in {elapsed:.1f} s: {seen}, {leftovers} mid-write")


# ---------------------------------------------------------------------------------------------
# A profile file that cannot be read

CORRUPT = {
    "truncated": b'name = "x"\n[provider]\nissuer = "https://op.exa',
    "binary": bytes(range(256)),
    "wrong type": b'name = "Bad"\n[provider]\nissuer = 42\n',
    "utf-16": "name = 'x'".encode("utf-16"),
    "empty": b"",
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_profile_is_listed_with_a_message_and_never_overwritten(
    tmp_path: Path, content: bytes
) -> None:
    store = ProfileStore(tmp_path, secrets=FileSecrets(tmp_path / "secrets.json"))
    store.profiles_dir.mkdir(parents=True)
    bad = store.profiles_dir / "bad.toml"
    bad.write_bytes(content)
    before = bad.stat()
    (listed,) = store.profiles()
    assert listed.profile is None and listed.error
    assert "\n" not in listed.error and listed.error.startswith("bad.toml")
    # saving other profiles, even one with the same name, leaves it alone
    other = version("bad", 3)
    created = store.create(other)
    assert created.id != "bad"
    store.save(created.id, other.with_changes(name="bad, edited"))
    with pytest.raises(ConfigError, match="left as it is"):
        store.save("bad", other)
    assert bad.read_bytes() == content
    assert bad.stat().st_mtime_ns == before.st_mtime_ns
    assert [s.id for s in store.profiles() if s.error] == ["bad"]


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_profile_on_the_command_line_is_one_line_and_exit_2(
    tmp_path: Path, content: bytes
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_bytes(content)
    proc = subprocess.run(
        [sys.executable, "-m", "itsme_debugger", "flow", str(bad), "--timeout", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "bad.toml" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert bad.read_bytes() == content
