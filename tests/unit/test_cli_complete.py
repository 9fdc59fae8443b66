"""Shell completion (`genetlink completion bash|zsh|fish`): the words offered, from the parser,
and each shell's script run in that shell (names from specs: no kernel needed)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from genetlink.cli import complete
from genetlink.cli.main import build_parser

BIN = Path(sys.executable).parent  # where pip put the `genetlink` script


@pytest.fixture
def env(kernel_specs: Path, tmp_path: Path) -> dict[str, str]:
    if not (BIN / "genetlink").exists():
        pytest.skip(f"no genetlink script next to {sys.executable} (pip install -e .)")
    return {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}",
            "GENETLINK_SPEC_PATH": str(kernel_specs), "HOME": str(tmp_path)}  # fmt: skip


@pytest.fixture(autouse=True)
def spec_path(kernel_specs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENETLINK_SPEC_PATH", str(kernel_specs))


NETDEV_DO = ["bind-rx", "bind-tx", "dev-get", "napi-get", "napi-set", "page-pool-get",
             "page-pool-stats-get", "queue-get"]  # fmt: skip
NETDEV_DUMP = ["dev-get", "napi-get", "page-pool-get", "page-pool-stats-get", "qstats-get",
               "queue-get"]  # fmt: skip


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["d"], ["do", "dump"]),
        (["do", "netdev", ""], NETDEV_DO),  # ops with a do
        (["dump", "netdev", ""], NETDEV_DUMP),  # ops with a dump
        (["dump", "netdev", "page-pool-s"], ["page-pool-stats-get"]),
        (["--debug", "do", "rt-link", "new"], ["newlink"]),
        (["monitor", "netdev", "--group", ""], ["mgmt", "page-pool"]),
        (["monitor", "netdev", "--output", ""], ["json", "jsonl", "text", "ynl"]),
        (["dump", "netdev", "dev-get", "--output", "j"], ["json", "jsonl"]),
        (["dump", "netdev", "dev-get", "--val"], ["--validate"]),
        (["spec", ""], ["check", "draft", "install", "list", "show"]),
        (["spec", "show", "ethto"], ["ethtool"]),
        (["completion", ""], ["bash", "fish", "zsh"]),
        (["dump", "netdev", "dev-get", "--spec", ""], [complete.FILES]),
        (["do", "no-such-family", ""], []),
    ],
)
def test_words(words: list[str], expected: list[str]) -> None:
    assert complete.candidates(build_parser(), words) == expected


def test_commands_from_the_parser() -> None:
    """Every sub-command the parser has (other branches add theirs), hidden ones not."""
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    words = complete.candidates(parser, [""])
    assert words == sorted(name for name in sub.choices if not name.startswith("__"))
    assert {"completion", "do", "dump", "families", "family", "monitor", "spec"} <= set(words)


def test_ops_follow_the_spec_given(kernel_specs: Path) -> None:
    spec = str(kernel_specs / "netdev.yaml")
    words = ["do", "some-name", "--spec", spec, ""]
    assert complete.candidates(build_parser(), words) == NETDEV_DO


def test_options_come_from_the_parser() -> None:
    words = complete.candidates(build_parser(), ["dump", "netdev", "dev-get", "-"])
    assert {"--input", "--output", "--json", "--compact", "--spec", "--validate"} <= set(words)
    assert complete.candidates(build_parser(), ["-"]) == [
        "--debug", "--help", "--netns", "--pcap", "--pcap-rotate", "--pcap-size", "--version", "-h"
    ]  # fmt: skip
    # a global option's value is no sub-command: what follows --pcap FILE is still one
    assert "dump" in complete.candidates(build_parser(), ["--pcap", "x.pcapng", ""])


def test_family_names_include_every_spec(kernel_specs: Path) -> None:
    names = complete.candidates(build_parser(), ["family", ""])
    assert {"netdev", "rt-link", "ethtool", "nlctrl"} <= set(names)


def _bash(env: dict[str, str], *words: str) -> list[str]:
    script = subprocess.run(["genetlink", "completion", "bash"], capture_output=True, text=True,
                            env=env, check=True).stdout  # fmt: skip
    quoted = " ".join(f"'{w}'" for w in words)
    program = (f"{script}\nCOMP_WORDS=(genetlink {quoted}); COMP_CWORD={len(words)}\n"
               '_genetlink; printf "%s\\n" "${COMPREPLY[@]}"\n')  # fmt: skip
    done = subprocess.run(["bash", "--norc", "-c", program], capture_output=True, text=True,
                          env=env, timeout=60)  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return [line for line in done.stdout.splitlines() if line]


def test_bash_completes_op_names(env: dict[str, str]) -> None:
    """The script as bash runs it: `complete -F` with COMP_WORDS, as on a Tab."""
    assert _bash(env, "do", "netdev", "") == NETDEV_DO
    assert _bash(env, "dump", "netdev", "qs") == ["qstats-get"]
    assert _bash(env, "mon") == ["monitor"]
    assert "netdev" in _bash(env, "dump", "")


def test_bash_registers_the_function(env: dict[str, str]) -> None:
    program = 'source <(genetlink completion bash); complete -p genetlink'
    done = subprocess.run(["bash", "--norc", "-c", program], capture_output=True, text=True,
                          env=env, timeout=60)  # fmt: skip
    assert done.stdout.strip() == "complete -F _genetlink genetlink", done.stderr


def test_bash_files_for_spec_paths(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("")
    found = _bash(env, "dump", "netdev", "dev-get", "--spec", f"{tmp_path}/mi")
    assert found == [f"{tmp_path}/mine.yaml"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (apt zsh)")
def test_zsh_script(env: dict[str, str], tmp_path: Path) -> None:
    """zsh parses the script, and its function offers the op names (compadd stands in for
    the completion system's, which only runs inside a widget)."""
    script = tmp_path / "_genetlink"
    script.write_text(complete.SCRIPTS["zsh"])
    done = subprocess.run(["zsh", "-n", str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    program = (f"compdef() {{ : }}\nsource {script}\n"
               'compadd() { [[ $1 == -a ]] && print -rl -- "${(@P)2}" }\n'
               "words=(genetlink do netdev ''); CURRENT=4; _genetlink\n")  # fmt: skip
    done = subprocess.run(["zsh", "-f", "-c", program], capture_output=True, text=True,
                          env=env, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == NETDEV_DO


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed (apt fish)")
def test_fish_script(env: dict[str, str], tmp_path: Path) -> None:
    """fish parses the script, and `complete -C` (what a Tab does) offers the op names."""
    script = tmp_path / "genetlink.fish"
    script.write_text(complete.SCRIPTS["fish"])
    done = subprocess.run(["fish", "-n", str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    program = f"source {script}; complete -C 'genetlink dump netdev '"
    done = subprocess.run(["fish", "--no-config", "-c", program], capture_output=True,
                          text=True, env=env, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [line.split("\t")[0] for line in done.stdout.splitlines()] == NETDEV_DUMP


def test_completion_needs_a_known_shell() -> None:
    done = subprocess.run([sys.executable, "-m", "genetlink.cli.main", "completion", "tcsh"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "invalid choice: 'tcsh'" in done.stderr
