"""Misused command lines: every one exits 2 with what was wrong and how to say it instead.

Each case runs beside a valid playbook ``ok.py`` and a valid plan ``ok.toml``,
so the only thing wrong is the command line itself.
"""

from __future__ import annotations

from bad_input.corpus import HEADER, Case

OK_PY = HEADER + "s = Scenario('s').generator('counter', topic='t').phase('p', cycles=2).expect(Count('t', min=1))\n"
OK_TOML = """format = 1
[[plans]]
name = "p"
[[plans.generators]]
ref = {name = "counter"}
topic = "t"
[[plans.steps]]
type = "phase"
name = "a"
cycles = 2
"""
FILES = {"ok.py": OK_PY, "ok.toml": OK_TOML, "notes.txt": "x\n"}


def cli(id: str, argv: str | list[str], text: str, code: int = 2) -> Case:
    args = argv.split() if isinstance(argv, str) else argv
    return Case(id, FILES, tuple(args), text, code)


SPEED = "Error: Invalid value for '--speed': must be a finite number > 0 and <= 1e+06 (got {!r})"
SEED = "Error: Invalid value for '--seed': {} is not in the range -9223372036854775808<=x<=9223372036854775807."
VAR = "Error: Invalid value for '--var' / '--variable': expected NAME=VALUE with NAME a variable name, such as user=alice (got {!r})"
DURATION = "Error: Invalid value for '--settle': expected a duration such as '500ms', '5s', '2m' or '1h' (got {!r})"

CASES = [
    # ------------------------------------------------------------------ play: numbers
    *(cli(f"--speed {v}", f"play ok.py --clock wall --speed {v}", SPEED.format(v)) for v in ("nan", "inf", "-inf", "NaN", "0", "-1", "1e9", "1e400")),
    cli("--speed x", "play ok.py --speed x", "Error: Invalid value for '--speed': expected a number such as 2 or 0.5 (got 'x')"),
    cli("--speed ''", ["play", "ok.py", "--speed", ""], "Error: Invalid value for '--speed': expected a number such as 2 or 0.5 (got '')"),
    cli("--speed without a value", "play ok.py --speed", "Error: Option '--speed' requires an argument."),
    *(cli(f"--seed {v}", f"play ok.py --seed {v}", SEED.format(v)) for v in ("99999999999999999999", "-9223372036854775809")),
    cli("--seed 1.5", "play ok.py --seed 1.5", "Error: Invalid value for '--seed': '1.5' is not a valid integer range."),
    cli("--seed x", "play ok.py --seed x", "Error: Invalid value for '--seed': 'x' is not a valid integer range."),
    *(cli(f"--settle {v}", f"play ok.py --settle {v}", DURATION.format(v)) for v in ("-1", "soon")),
    cli("--settle '5 parsecs'", ["play", "ok.py", "--settle", "5 parsecs"], DURATION.format("5 parsecs")),
    cli("--settle inf", "play ok.py --settle inf", "Error: Invalid value for '--settle': expected a duration such as '500ms', '5s', '2m' or '1h' (got 'inf')"),
    # ------------------------------------------------------------------ play: the bus and the clock
    cli("--bus ''", ["play", "ok.py", "--bus", ""], "error: --bus: expected a bus URL (got '')\n  hint: memory://, redis://localhost:6379/0 or nats://localhost:4222; leave --bus out for the scenario's own bus"),
    cli("--bus ' '", ["play", "ok.py", "--bus", " "], "error: --bus: expected a bus URL (got ' ')"),
    cli("--bus localhost", "play ok.py --bus localhost", "error: --bus: expected a bus URL such as redis://localhost:6379/0 (got 'localhost')\n  hint: a bus URL starts with its scheme: memory://, redis://, nats://"),
    cli("--bus ://h", "play ok.py --bus ://h", "error: --bus: expected a bus URL such as redis://://h:6379/0 (got '://h')"),
    cli("--bus kafka://h", "play ok.py --bus kafka://h", "error: --bus: unknown bus 'kafka'\n  hint: known: memory, nats, redis (see `scenario plugins`)"),
    cli("--bus redis with a bad port", "play ok.py --bus redis://h:port/0", "error: --bus: bus URL redis://h:port/0: Port could not be cast to integer value as 'port'\n  hint: the port must be a number between 0 and 65535"),
    cli("--bus redis with an unknown option", "play ok.py --bus redis://h:6379/0?colour=red", "error: --bus: bus URL redis://h:6379/0?colour=red: unknown option 'colour' for redis://"),
    cli("--bus nats with a bad port", "play ok.py --bus nats://h:99999", "error: --bus: bus URL nats://h:99999: Port out of range 0-65535"),
    cli("--bus memory with an option", "play ok.py --bus memory://?x=1", "error: --bus: bus URL memory://?x=1: the memory bus takes no host, path or options\n  hint: memory://"),
    cli("--clock virtual on redis", "play ok.py --bus redis://localhost:6379/0 --clock virtual", "error: --clock: the virtual clock needs a bus that delivers synchronously; redis:// delivers in real time\n  hint: use --clock wall"),
    cli("--clock real", "play ok.py --clock real", "Error: Invalid value for '--clock': 'real' is not one of 'virtual', 'wall'."),
    cli("--bus on a plan file", "play ok.toml --bus localhost", "error: --bus: expected a bus URL such as redis://localhost:6379/0 (got 'localhost')"),
    # ------------------------------------------------------------------ play: folders and reporters
    cli("--report-dir a file", "play ok.py --report-dir notes.txt", "Error: Invalid value for '--report-dir': Directory 'notes.txt' is a file."),
    cli("--report-dir under a file", "play ok.py --report-dir notes.txt/out", "error: --report-dir notes.txt/out: is a file, or lies under one\n  hint: give --report-dir a folder you can write to"),
    cli("--report-dir deep under a file", "play ok.py --report-dir notes.txt/a/b", "error: --report-dir notes.txt/a/b: is a file, or lies under one"),
    cli("--report-dir a 300-character name", f"play ok.py --report-dir {'r' * 300}", f"error: --report-dir {'r' * 300}: has a name that is too long"),
    cli("--reporter unknown", "play ok.py --reporter nope", "error: --reporter: unknown reporter 'nope' (hint: known: console, html, json, junit (see `scenario plugins`))"),
    cli("--reporter misspelt", "play ok.py --reporter jnuit", "error: --reporter: unknown reporter 'jnuit' (hint: did you mean 'junit'?)"),
    # ------------------------------------------------------------------ play: variables and selection
    *(cli(f"--var {v!r}", ["play", "ok.py", "--var", v], VAR.format(v)) for v in ("user", "=x", "1a=x", "a b=c", "", "a-b=1")),
    cli("-k matching nothing", "play ok.py -k nope", "error: -k 'nope' matches no scenario (found: s)\n  hint: give a name or a glob such as 'flash*'; several separated by commas"),
    cli("-k of commas only", ["play", "ok.py", "-k", ","], "error: -k ',' matches no scenario (found: s)"),
    cli("-k on a plan file", "play ok.toml -k q*", "error: -k 'q*' matches no scenario (found: p)"),
    cli("-k without a value", "play ok.py -k", "Error: Option '-k' requires an argument."),
    # ------------------------------------------------------------------ play: paths
    cli("play without paths", "play", "Error: Missing argument 'PATHS...'."),
    cli("play a missing file", "play missing.py", "error: missing.py: no such file"),
    cli("play a text file", "play notes.txt", "error: notes.txt: no loader for '.txt' files (known: .json, .py, .toml, .yaml, .yml)\n  hint: give a .py playbook, a .toml / .json plan file or a .yaml event file"),
    cli("play a file without a suffix", "play Makefile", "error: Makefile: no such file"),
    cli("play an unknown option", "play ok.py --sped 2", "Error: No such option '--sped'. (Did you mean one of: '--seed', '--speed'?)"),
    # ------------------------------------------------------------------ check, show, compile
    cli("check without paths", "check", "Error: Missing argument 'PATHS...'."),
    cli("check a missing and a good file", "check ok.py missing.toml", "error: missing.toml: no such file\n1 of 2 files had problems"),
    cli("check a bad --var", "check ok.py --var x", VAR.format("x")),
    cli("show two files", "show ok.py ok.toml", "Error: Got unexpected extra argument (ok.toml)"),
    cli("show -k nothing", "show ok.py -k nope", "error: -k 'nope' matches no scenario (found: s)"),
    cli("compile without a playbook", "compile", "Error: Missing argument 'PLAYBOOK'."),
    cli("compile -o a missing folder", "compile ok.py -o nope/plan.toml", "error: -o nope: no such folder\n  hint: create it first (mkdir -p nope)"),
    cli("compile -o under a file", "compile ok.py -o notes.txt/plan.toml", "error: -o notes.txt: is a file, not a folder\n  hint: give -o a folder you can write to"),
    cli("compile -o a folder", "compile ok.py -o .", "Error: Invalid value for '-o' / '--output': File '.' is a directory."),
    cli("compile -o .yaml", "compile ok.py -o plan.yaml", "error: plan.yaml: a plan file must end in .toml or .json (got '.yaml')\n  hint: plan.toml or plan.json"),
    cli("compile -o without a suffix", "compile ok.py -o plan", "error: plan: a plan file must end in .toml or .json (got 'none')"),
    cli("compile -k nothing", "compile ok.py -k nope", "error: -k 'nope' matches no scenario (found: s)"),
    # ------------------------------------------------------------------ the command itself
    cli("an unknown command", "ply ok.py", "Error: No such command 'ply'."),
    cli("an unknown global option", "--verbos play ok.py", "Error: No such option '--verbos'. (Did you mean one of: '--verbose', '--version'?)"),
    cli("plugins of an unknown kind", "plugins --kind bogus", "Error: Invalid value for '--kind': 'bogus' is not one of 'assertion', 'bus', 'chaos', 'codec', 'generator', 'loader', 'profile', 'reporter'."),
    cli("host without a colon", "host nocolon", "error: expected MODULE:CLASS for the system to host (got 'nocolon')"),
]

CASES += [
    cli("--settle of 11 years", "play ok.py --settle 100000h", "Error: Invalid value for '--settle': a duration must be at most 10 years (got '100000h')"),
]
