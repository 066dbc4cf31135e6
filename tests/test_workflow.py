"""The GitHub Actions workflow agencies copy: valid, and its storygen commands really run."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, main

from storygen import DISTRIBUTION, __version__
from storygen.starter import STARTER

WORKFLOW = ROOT / ".github/workflows/site.yml"


def test_workflow_passes_actionlint() -> None:
    beside_python = Path(sys.executable).parent / "actionlint"
    actionlint = str(beside_python) if beside_python.exists() else shutil.which("actionlint")
    if actionlint is None:
        pytest.fail("actionlint is missing: install the test extra (pip install -e '.[test]')")
    result = subprocess.run([actionlint, str(WORKFLOW)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def storygen_commands() -> list[list[str]]:
    """Every `storygen ...` line in the workflow's run steps, in order."""
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    commands = []
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            for line in step.get("run", "").splitlines():
                if line.strip().startswith("storygen "):
                    commands.append(shlex.split(line.strip())[1:])
    return commands


def test_workflow_runs_on_schedule_push_and_pull_request() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) >= {"push", "pull_request", "schedule"}
    assert triggers["schedule"][0]["cron"].split()[1] == "*"  # hourly
    assert [c[0] for c in storygen_commands()] == ["check", "check", "build", "crosspost",
                                                   "approve", "post"]


def test_every_storygen_command_of_the_workflow_runs_on_the_sample_site(
        sample_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workflow's commands, in its order, as CI would run them (Pages base URL set)."""
    monkeypatch.chdir(sample_site)
    monkeypatch.setenv("STORYGEN_BASE_URL", "https://lakeshore.github.io/news")
    for command in storygen_commands():
        assert main(command) == 0, command
    assert (sample_site / "_site/index.html").is_file()
    canonical = '<link rel="canonical" href="https://lakeshore.github.io/news/">'
    assert canonical in (sample_site / "_site/index.html").read_text(encoding="utf-8")
    ledger = (sample_site / "crosspost-ledger.json").read_text(encoding="utf-8")
    assert '"/stories/permit-wait-times-cut/"' in ledger  # by path: the base URL may change
    assert (sample_site / "_crosspost/index.html").is_file()


def test_the_workflow_installs_storygen_from_requirements() -> None:
    """A site's repository has no storygen source, so the workflow installs what its
    requirements.txt pins; here that file names this checkout, and the docs pin a release."""
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    installs = [step["run"] for job in workflow["jobs"].values()
                for step in job.get("steps", []) if "pip install" in step.get("run", "")]
    assert installs == ["python -m pip install -r requirements.txt"] * 3
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line.strip() and not line.startswith("#")] == ["."]
    docs = (ROOT / "docs/deploying.md").read_text(encoding="utf-8")
    assert f"{DISTRIBUTION}=={__version__}\n" in docs
    assert "pip install .\n" not in docs + WORKFLOW.read_text(encoding="utf-8")


def test_the_ledger_the_workflow_commits_is_not_ignored_by_git() -> None:
    """`git add crosspost-ledger.json` in the workflow fails if .gitignore lists the file."""
    done = subprocess.run(["git", "check-ignore", "-q", "crosspost-ledger.json"], cwd=ROOT,
                          check=False)
    assert done.returncode == 1  # 1: not ignored


@pytest.mark.parametrize("name", [".github/workflows/site.yml", ".github/commit-ledger.sh"])
def test_storygen_init_writes_this_workflow(name: str) -> None:
    """The starter's copy is this file exactly, so what is linted and run here is what every
    new site gets (edit both together)."""
    assert (STARTER / name).read_bytes() == (ROOT / name).read_bytes()
    assert (STARTER / name).stat().st_mode == (ROOT / name).stat().st_mode


def _step(job: str, name_starts: str) -> dict:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return next(s for s in workflow["jobs"][job]["steps"]
                if s.get("name", "").startswith(name_starts))


def test_the_post_job_runs_when_due_teasers_wait_for_their_reviewer(
        sample_site: Path, tmp_path: Path) -> None:
    """With `approval = true`, due teasers are pending: the due check must still call the post
    job (whose reviewer approves them), or nothing would ever be posted."""
    toml = sample_site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + '\n[crosspost.post]\nplatforms = ["mastodon"]\n'
                    "approval = true\n", "utf-8")
    assert main(["crosspost", "--root", str(sample_site)]) == 0
    output = tmp_path / "github-output"
    script = _step("crosspost", "Is a teaser due")["run"]
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    subprocess.run(["bash", "-e", "-c", script], cwd=sample_site, check=True,
                   env={"PATH": path, "GITHUB_OUTPUT": str(output), "SOURCE_DATE_EPOCH":
                        "1798761600", "PYTHONPATH": str(ROOT / "src")})
    assert output.read_text("utf-8") == "due=yes\n"


def test_a_post_waiting_for_its_reviewer_never_holds_up_a_deploy() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert "concurrency" not in workflow  # a workflow-wide group would queue every run
    groups = {name: job["concurrency"]["group"] for name, job in workflow["jobs"].items()
              if "concurrency" in job}
    assert set(groups) >= {"deploy", "post"} and groups["deploy"] != groups["post"]
