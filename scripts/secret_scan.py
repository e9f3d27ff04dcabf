"""Searches every output the e2e suite recorded for every secret it handed out.

The suite (GATEWAY_MEDIC_E2E_RECORD) writes the tokens and webhook secrets it gave the operator to
secrets.txt, and the operator's outputs next to it: logs at trace level, every object left in the
API (Events, ticket ConfigMaps, GatewayHealths, Leases), the output of the CLI processes and the
bodies webhook receivers got. A secret may leak as itself, URL-encoded, or base64-encoded (a basic
auth header, a Secret's data), so each is searched in those forms too.
"""
import base64
import pathlib
import subprocess
import tempfile
import urllib.parse

# Outputs that must be present, or the scan would pass without having looked at anything.
REQUIRED = ["logs.txt", "objects.jsonl", "cli-output.txt", "webhook-bodies.txt"]


def forms(secret):
    """The spellings a leak of `secret` could take in text."""
    raw = secret.encode()
    found = {secret, urllib.parse.quote(secret, safe="")}
    # base64 of a longer string containing the secret: the secret's encoding depends on its
    # offset modulo 3, and the edge characters depend on its neighbours, so drop them.
    for pad in (b"", b"\0", b"\0\0"):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(pad + raw).decode()
            start = (len(pad) * 4 + 2) // 3 + 1
            core = text[start:-3]
            if len(core) >= 12:
                found.add(core)
    return found


def leaks(secrets, files):
    """(file, line number, secret index) for each line that holds a form of a secret.

    grep -F matches all the forms in one pass (Aho-Corasick), which keeps the scan of a few
    hundred secrets over megabytes of logs to seconds."""
    owner = {form: i for i, secret in enumerate(secrets) for form in forms(secret)}
    if not files:
        return []
    with tempfile.NamedTemporaryFile("w", suffix=".patterns") as patterns:
        patterns.write("\n".join(owner) + "\n")
        patterns.flush()
        result = subprocess.run(["grep", "-F", "-a", "-n", "-o", "-H", "-f", patterns.name, *map(str, files)],
                                capture_output=True, text=True, errors="replace")
    if result.returncode > 1:
        raise RuntimeError("grep failed: " + result.stderr.strip())
    found = set()
    for line in result.stdout.splitlines():
        path, number, match = line.split(":", 2)
        found.add((pathlib.Path(path), int(number), owner.get(match, -1)))
    return sorted(found)


def self_check():
    """The scan must catch a planted secret in each form, or it proves nothing."""
    secret = "planted-token-0123456789abcdef"
    samples = [
        f"level=info msg=request token={secret}",
        base64.b64encode(b"user:" + secret.encode()).decode(),
        urllib.parse.quote("x=" + secret, safe=""),
    ]
    with tempfile.TemporaryDirectory() as folder:
        for n, sample in enumerate(samples):
            path = pathlib.Path(folder) / f"sample{n}.txt"
            path.write_text("harmless line\n" + sample + "\n")
            if len(leaks([secret], [path])) != 1:
                return f"the scan misses a planted secret in: {sample[:20]}…"
    return None


def check(record):
    """Returns (problems, summary)."""
    problem = self_check()
    if problem:
        return [problem], ""
    secrets_file = record / "secrets.txt"
    secrets = sorted({s for s in secrets_file.read_text().splitlines() if s}) if secrets_file.exists() else []
    if not secrets:
        return [f"no secrets recorded in {secrets_file} (did the e2e suite run?)"], ""
    missing = [name for name in REQUIRED if not (record / name).exists() or (record / name).stat().st_size == 0]
    if missing:
        return [f"nothing recorded in {', '.join(missing)} (did the e2e suite run?)"], ""
    files = sorted(p for p in record.rglob("*") if p.is_file() and p != secrets_file)
    problems = [f"secret #{i + 1} of {secrets_file.name} appears in {path.name}, line {number}"
                for path, number, i in leaks(secrets, files)]
    size = sum(p.stat().st_size for p in files)
    summary = (f"{len(secrets)} secrets searched (raw, URL- and base64-encoded) in {len(files)} outputs "
               f"({size / 1e6:.1f} MB): {', '.join(p.name for p in files)}")
    return problems, summary
