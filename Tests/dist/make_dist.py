#!/usr/bin/env python3
"""Builds dist/actq-VERSION-linux-ARCH.tar.gz and dist/actq_VERSION_ARCH.deb from a staged
build (`make stage`), then checks the package: unpacked with `dpkg -x` into a scratch root,
its actq must answer --version and run a query on the demo store.

    python3 Tests/dist/make_dist.py STAGE_DIR      (run by `make dist`)
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIST = os.path.join(ROOT, "dist")
# glibc 2.36 for packed relative relocations (DT_RELR, see the Makefile's release flags), which a
# PIE build has; the other dependencies are what the binaries link dynamically (`depends`).
LIBC = "libc6 (>= 2.36)"


def run(command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs).stdout


def depends(binaries):
    """The Debian packages of the shared libraries the binaries need (the Swift runtime and, when
    their static archives were there, libstdc++, SQLite and libedit are linked in), glibc first."""
    packages = []
    for binary in binaries:
        for soname in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", run(["readelf", "-d", binary])):
            path = re.search(rf"^\s*{re.escape(soname)} \(.*\) => (\S+)$", run(["/sbin/ldconfig", "-p"]), flags=re.M)
            if path is None:
                sys.exit(f"{binary} needs {soname}, which ldconfig does not know")
            # dpkg knows a library by the path its package installed (/lib or /usr/lib, merged or not).
            found = [subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
                     for candidate in (path.group(1), os.path.realpath(path.group(1)))]
            owners = [answer.stdout.split(":")[0] for answer in found if answer.returncode == 0]
            if not owners:
                sys.exit(f"no Debian package holds {path.group(1)} ({soname}, which {binary} needs)")
            owner = owners[0]
            if owner != "libc6" and owner not in packages:
                packages.append(owner)
    return ", ".join([LIBC] + packages)


def files(stage):
    """(source, path in the installed tree) of everything actq installs."""
    return [
        (os.path.join(stage, "actq"), "bin/actq"),
        (os.path.join(stage, "actq-mcp"), "libexec/actq/actq-mcp"),
        (os.path.join(stage, "man", "actq.1"), "share/man/man1/actq.1"),
        (os.path.join(stage, "actq.bash"), "share/bash-completion/completions/actq"),
        (os.path.join(stage, "_actq"), "share/zsh/site-functions/_actq"),
        (os.path.join(stage, "actq.fish"), "share/fish/vendor_completions.d/actq.fish"),
    ]


def tarball(stage, version, arch):
    name = f"actq-{version}-linux-{arch}"
    path = os.path.join(DIST, name + ".tar.gz")
    with tarfile.open(path, "w:gz") as archive:
        for source, target in files(stage):
            archive.add(source, arcname=f"{name}/{target}")
        for extra in ["README.md", "LICENSE"]:
            archive.add(os.path.join(ROOT, extra), arcname=f"{name}/{extra}")
        archive.add(os.path.join(ROOT, "examples"), arcname=f"{name}/examples")
    return path


def debian(stage, version, arch):
    with tempfile.TemporaryDirectory() as root:
        for source, target in files(stage):
            # Debian's places: zsh's vendor directory, compressed manual pages.
            target = target.replace("share/zsh/site-functions", "share/zsh/vendor-completions")
            destination = os.path.join(root, "usr", target)
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            if target.endswith(".1"):
                with open(source, "rb") as page, gzip.open(destination + ".gz", "wb", compresslevel=9) as packed:
                    packed.write(page.read())
            else:
                shutil.copy(source, destination)
            os.chmod(destination + (".gz" if target.endswith(".1") else ""), 0o755 if target in ("bin/actq", "libexec/actq/actq-mcp") else 0o644)
        doc = os.path.join(root, "usr", "share", "doc", "actq")
        os.makedirs(doc)
        shutil.copy(os.path.join(ROOT, "README.md"), doc)
        with open(os.path.join(ROOT, "LICENSE")) as license_text, open(os.path.join(doc, "copyright"), "w") as copyright:
            copyright.write("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
                            "Upstream-Name: actq\nFiles: *\nLicense: Apache-2.0\n\n" + license_text.read())
        shutil.copytree(os.path.join(ROOT, "examples"), os.path.join(doc, "examples"))
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, names in os.walk(root) for f in names) // 1024
        os.makedirs(os.path.join(root, "DEBIAN"))
        with open(os.path.join(root, "DEBIAN", "control"), "w") as control:
            control.write(f"""Package: actq
Version: {version}
Architecture: {arch}
Maintainer: the actq authors <actq@localhost>
Installed-Size: {size}
Depends: {depends([os.path.join(root, "usr", "bin", "actq"), os.path.join(root, "usr", "libexec", "actq", "actq-mcp")])}
Section: utils
Priority: optional
License: Apache-2.0
Description: query language, REPL and language server for ECE activity search
 actq parses queries such as "status = open and lastModifiedDate >= -7d", checks
 them against the eGain / Cisco ECE Interaction API's rules, turns them into the
 exact API request and runs them on a local store, the real API or its emulator.
""")
        path = os.path.join(DIST, f"actq_{version}_{arch}.deb")
        run(["dpkg-deb", "--root-owner-group", "--build", root, path])
        return path


def check(deb):
    """The package as a user gets it: unpacked, run from there, in a scratch home."""
    with tempfile.TemporaryDirectory() as scratch:
        run(["dpkg-deb", "-x", deb, scratch])
        binary = os.path.join(scratch, "usr", "bin", "actq")
        env = dict(os.environ, XDG_DATA_HOME=f"{scratch}/data", XDG_STATE_HOME=f"{scratch}/state",
                   XDG_CONFIG_HOME=f"{scratch}/config")
        version = run([binary, "--version"], env=env).strip()
        assert re.fullmatch(r"actq \d+\.\d+\.\d+ \(commit (?:[0-9a-f]{12}(?:\+changes)?|unknown), store schema \d+\)", version), version
        answer = run([binary, "--format", "json", "-e", "status = open page 1 size 2"], env=env)
        assert '"paginationInfo"' in answer and '"activity":[{' in answer, answer[:300]
        # `actq mcp` finds its server in ../libexec/actq.
        hello = ('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26",'
                 '"capabilities":{},"clientInfo":{"name":"dist-check","version":"1"}}}\n')
        served = subprocess.run([binary, "mcp"], input=hello, capture_output=True, text=True, env=env, timeout=60).stdout
        assert '"serverInfo"' in served, served[:300]
        listed = run(["dpkg-deb", "-c", deb])
        for wanted in ["./usr/bin/actq", "./usr/libexec/actq/actq-mcp", "./usr/share/man/man1/actq.1.gz", "./usr/share/bash-completion/completions/actq",
                       "./usr/share/zsh/vendor-completions/_actq", "./usr/share/fish/vendor_completions.d/actq.fish"]:
            assert wanted in listed, wanted
        print(f"checked {os.path.basename(deb)}: {version}; a query on the demo store answered")


def main():
    stage = sys.argv[1]
    os.makedirs(DIST, exist_ok=True)
    line = run([os.path.join(stage, "actq"), "--version"]).strip()
    version = line.split()[1]
    arch = run(["dpkg", "--print-architecture"]).strip()
    print(tarball(stage, version, arch))
    deb = debian(stage, version, arch)
    print(deb)
    check(deb)


if __name__ == "__main__":
    main()
