"""Ownership proven by a ``.mamori-challenge`` file committed at HEAD of a local repository.

The committed blob is read with git's plumbing (``rev-parse``, ``cat-file``): nothing in
the repository is checked out, built or run, no hook or filter applies, and no pager or
network transport is used. The command is a fixed argument list (never a shell), the
environment carries none of the caller's ``GIT_*`` variables, and discovery stops at the
registered directory, so a path inside some other repository does not prove anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from urllib.parse import unquote, urlsplit

from mamori.access.assets.models import Asset, ProofResult
from mamori.access.assets.proofs import REPOSITORY_FILE
from mamori.access.models import ProofMethod

MAX_FILE_BYTES = 4096
_OBJECT = f"HEAD:{REPOSITORY_FILE}"


class RepositoryVerifier:
    """Reads the token file from the commit at HEAD of a repository on this machine."""

    method = ProofMethod.REPOSITORY

    def __init__(
        self, *, git: str = "git", timeout: float = 5.0, max_bytes: int = MAX_FILE_BYTES
    ) -> None:
        self.timeout = timeout
        self._git = shutil.which(git)
        self._max_bytes = max_bytes

    def check(self, asset: Asset, token: str) -> ProofResult:
        """Whether ``.mamori-challenge`` at HEAD holds exactly ``token``."""
        path = local_path(asset.value)
        if isinstance(path, ProofResult):
            return path
        if self._git is None:
            return ProofResult.failed("git is not installed on this mamori")
        try:
            return self._check(self._git, path, token)
        except subprocess.TimeoutExpired:
            return ProofResult.failed(f"git did not answer within {self.timeout:g} s")
        except OSError as exc:
            return ProofResult.failed(f"cannot run git ({type(exc).__name__})")

    def _check(self, git: str, path: str, token: str) -> ProofResult:
        probe = self._git_run(git, path, "rev-parse", "--git-dir")
        if probe.returncode != 0:
            return ProofResult.failed(f"{path} is not a git repository: {_first_line(probe)}")
        size = self._git_run(git, path, "cat-file", "-s", _OBJECT)
        if size.returncode != 0:
            return ProofResult.missing(f"no {REPOSITORY_FILE} is committed at HEAD of {path}")
        declared = size.stdout.strip()
        if not declared.isdigit() or int(declared) > self._max_bytes:
            return ProofResult.failed(f"{REPOSITORY_FILE} is larger than {self._max_bytes} bytes")
        blob = self._git_run(git, path, "cat-file", "blob", _OBJECT)
        if blob.returncode != 0:
            return ProofResult.missing(f"{REPOSITORY_FILE} at HEAD of {path} is not a file")
        if blob.stdout.decode("utf-8", errors="replace").strip() == token:
            return ProofResult.proven(f"{REPOSITORY_FILE} at HEAD of {path} holds the token")
        return ProofResult.missing(f"{REPOSITORY_FILE} at HEAD of {path} does not hold the token")

    def _git_run(self, git: str, path: str, *command: str) -> subprocess.CompletedProcess[bytes]:
        arguments = [
            git,
            "--no-pager",
            "-c",
            "protocol.allow=never",
            "-C",
            path,
            *command,
        ]
        # A fixed argument list, no shell; ``path`` is an absolute, existing directory.
        return subprocess.run(  # noqa: S603
            arguments,
            capture_output=True,
            env=_git_environment(path),
            stdin=subprocess.DEVNULL,
            timeout=self.timeout,
            check=False,
        )


def local_path(value: str) -> str | ProofResult:
    """The directory a ``file://`` repository value names, or why it cannot be read."""
    parts = urlsplit(value)
    if parts.scheme != "file":
        return ProofResult.failed(
            "mamori reads only repositories on its own machine (file://); register the "
            "path of a local clone, or configure a verifier for your forge"
        )
    path = unquote(parts.path)
    if not os.path.isabs(path) or not os.path.isdir(path):
        return ProofResult.failed(f"{path} is not an existing directory on this mamori")
    return path


def _git_environment(path: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    environment.update(
        GIT_CEILING_DIRECTORIES=os.path.dirname(path.rstrip("/")) or "/",
        GIT_TERMINAL_PROMPT="0",
        GIT_NO_REPLACE_OBJECTS="1",
        GIT_NO_LAZY_FETCH="1",
        LC_ALL="C",
    )
    return environment


def _first_line(result: subprocess.CompletedProcess[bytes]) -> str:
    lines = result.stderr.decode("utf-8", errors="replace").strip().splitlines()
    return (lines[0] if lines else f"git exited with {result.returncode}")[:120]
