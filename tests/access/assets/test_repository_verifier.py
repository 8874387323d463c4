"""RepositoryVerifier against real git repositories made in the test's directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from assets_helpers import NOW, commit_file, init_repo

from mamori.access.assets.git_head import RepositoryVerifier
from mamori.access.assets.models import Asset, ProofOutcome
from mamori.access.assets.values import normalize_repository
from mamori.access.models import AssetKind, AssetStatus, ProofMethod
from mamori.core.ids import AssetId, OrgId

TOKEN = "mamori-verify=" + "12" * 32


def asset(location: str | Path) -> Asset:
    return Asset(
        AssetId("ast_" + "0" * 32),
        OrgId("org_" + "0" * 32),
        AssetKind.REPOSITORY,
        normalize_repository(str(location)),
        ProofMethod.REPOSITORY,
        TOKEN,
        AssetStatus.PENDING,
        None,
        None,
        None,
        NOW,
    )


@pytest.fixture
def verifier() -> RepositoryVerifier:
    return RepositoryVerifier(timeout=10.0)


def test_a_token_committed_at_head_is_found(tmp_path: Path, verifier: RepositoryVerifier) -> None:
    repo = init_repo(tmp_path / "core banking")
    commit_file(repo, ".mamori-challenge", TOKEN + "\n")
    result = verifier.check(asset(repo), TOKEN)
    assert result.outcome is ProofOutcome.FOUND


def test_a_token_only_in_the_working_tree_is_not_found(
    tmp_path: Path, verifier: RepositoryVerifier
) -> None:
    repo = init_repo(tmp_path / "app")
    (repo / ".mamori-challenge").write_text(TOKEN)
    result = verifier.check(asset(repo), TOKEN)
    assert result.outcome is ProofOutcome.NOT_FOUND
    assert "committed" in result.reason


def test_a_token_changed_but_not_committed_is_not_found(
    tmp_path: Path, verifier: RepositoryVerifier
) -> None:
    repo = init_repo(tmp_path / "app")
    commit_file(repo, ".mamori-challenge", "mamori-verify=" + "00" * 32)
    (repo / ".mamori-challenge").write_text(TOKEN)
    result = verifier.check(asset(repo), TOKEN)
    assert result.outcome is ProofOutcome.NOT_FOUND
    assert "00" * 32 not in result.reason


def test_a_plain_directory_is_an_error(tmp_path: Path, verifier: RepositoryVerifier) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / ".mamori-challenge").write_text(TOKEN)
    result = verifier.check(asset(plain), TOKEN)
    assert result.outcome is ProofOutcome.ERROR
    assert "not a git repository" in result.reason


def test_a_directory_inside_some_other_repository_proves_nothing(
    tmp_path: Path, verifier: RepositoryVerifier
) -> None:
    outer = init_repo(tmp_path / "outer")
    commit_file(outer, ".mamori-challenge", TOKEN)
    (outer / "sub").mkdir()
    result = verifier.check(asset(outer / "sub"), TOKEN)
    assert result.outcome is ProofOutcome.ERROR


def test_the_callers_git_environment_does_not_redirect_the_check(
    tmp_path: Path, verifier: RepositoryVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoy = init_repo(tmp_path / "decoy")
    commit_file(decoy, ".mamori-challenge", TOKEN)
    target = init_repo(tmp_path / "target")
    monkeypatch.setenv("GIT_DIR", str(decoy / ".git"))
    assert verifier.check(asset(target), TOKEN).outcome is ProofOutcome.NOT_FOUND


def test_a_missing_directory_is_an_error(tmp_path: Path, verifier: RepositoryVerifier) -> None:
    result = verifier.check(asset(tmp_path / "gone"), TOKEN)
    assert result.outcome is ProofOutcome.ERROR
    assert "not an existing directory" in result.reason


def test_a_remote_repository_is_not_fetched(verifier: RepositoryVerifier) -> None:
    result = verifier.check(asset("https://git.bank.example/core/app.git"), TOKEN)
    assert result.outcome is ProofOutcome.ERROR
    assert "file://" in result.reason


def test_an_oversized_token_file_is_refused(tmp_path: Path, verifier: RepositoryVerifier) -> None:
    repo = init_repo(tmp_path / "app")
    commit_file(repo, ".mamori-challenge", TOKEN + "\n" * 5000)
    assert verifier.check(asset(repo), TOKEN).outcome is ProofOutcome.ERROR


def test_a_directory_named_like_the_token_file_is_not_found(
    tmp_path: Path, verifier: RepositoryVerifier
) -> None:
    repo = init_repo(tmp_path / "app")
    (repo / ".mamori-challenge").mkdir()
    commit_file(repo, ".mamori-challenge/token", TOKEN)
    assert verifier.check(asset(repo), TOKEN).outcome is ProofOutcome.NOT_FOUND


def test_no_git_binary_is_an_error(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "app")
    missing = RepositoryVerifier(git="mamori-no-such-git")
    assert missing.check(asset(repo), TOKEN).outcome is ProofOutcome.ERROR
