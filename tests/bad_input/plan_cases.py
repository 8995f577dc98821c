"""Bad plan files (.toml and .json): a valid plan changed in one place, written in each format.

A case names the change (dotted path -> new value, ``DROP`` to remove the
key) and the located message after ``plan.<suffix>:``; the same case runs as
TOML and as JSON (JSON only where TOML has no way to say it, such as null).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import tomli_w

from bad_input.corpus import Case

DROP = object()

BASE: dict[str, Any] = {
    "format": 1,
    "plans": [{
        "name": "p",
        "generators": [{"ref": {"name": "counter"}, "topic": "t"}],
        "steps": [{"type": "phase", "name": "a", "cycles": 2}],
        "chaos": [{"action": {"name": "drop"}, "triggers": {"topics": ["t"], "probability": 0.5}}],
        "expectations": [{"name": "count", "params": {"topic": "t", "min": 1}}],
    }],
}


def changed(changes: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        key: Any = int(last) if isinstance(node, list) else last
        if value is DROP:
            del node[key]
        elif isinstance(node, list) and key == len(node):
            node.append(value)
        else:
            node[key] = value
    return data


def dump(data: Any, fmt: str) -> str:
    return tomli_w.dumps(data) if fmt == "toml" else json.dumps(data, indent=1)


def cases(id: str, changes: dict[str, Any], text: str, *, formats: tuple[str, ...] = ("toml", "json")) -> list[Case]:
    data = changed(changes)
    return [
        Case(f"{id} [{fmt}]", {f"plan.{fmt}": dump(data, fmt)}, ("check", f"plan.{fmt}"),
             text.replace("{f}", f"plan.{fmt}"))
        for fmt in formats
    ]


def raw(id: str, fmt: str, text: str, expected: str) -> Case:
    return Case(f"{id} [{fmt}]", {f"plan.{fmt}": text}, ("check", f"plan.{fmt}"), expected)


G = "plans.0.generators.0."
ST = "plans.0.steps.0."
CH = "plans.0.chaos.0."
T = "plans.0.chaos.0.triggers."
EX = "plans.0.expectations.0."
F = "{f}:plans[0]."
JSON = ("json",)

CASES: list[Case] = [
    # ------------------------------------------------------------------ the file
    *cases("no format", {"format": DROP}, "{f}:format: is required (hint: start the file with format = 1)"),
    *cases("format 2", {"format": 2}, "{f}:format: unsupported plan format 2 (this scenario-engine reads format 1)"),
    *cases("format true", {"format": True}, "{f}:format: unsupported plan format True (this scenario-engine reads format 1)"),
    *cases("format 1.0", {"format": 1.0}, "{f}:format: unsupported plan format 1.0 (this scenario-engine reads format 1)"),
    *cases("format '1'", {"format": "1"}, "{f}:format: unsupported plan format '1' (this scenario-engine reads format 1)"),
    *cases("an unknown top-level key", {"plan": []}, "{f}:plan: unknown key (hint: did you mean 'plans'?)"),
    *cases("no plans", {"plans": DROP}, "{f}:plans: is required"),
    *cases("plans empty", {"plans": []}, "{f}:plans: must be a non-empty list of plans (got [])"),
    *cases("plans a table", {"plans": {"name": "p"}}, "{f}:plans: must be a non-empty list of plans (got {'name': 'p'})"),
    *cases("a plan that is a number", {"plans": [1]}, "{f}:plans[0]: must be a table (got 1)", formats=JSON),
    # ------------------------------------------------------------------ the plan's own fields
    *cases("no name", {"plans.0.name": DROP}, "{f}:plans[0].name: is required"),
    *cases("name empty", {"plans.0.name": ""}, "{f}:plans[0].name: must not be empty"),
    *cases("name 300 characters", {"plans.0.name": "n" * 300}, "{f}:plans[0].name: must be at most 128 characters (got 300) (hint: a scenario name names its folder)"),
    *cases("name a number", {"plans.0.name": 5}, "{f}:plans[0].name: must be a string (got 5)"),
    *cases("an unknown plan key", {"plans.0.seeed": 3}, F + "seeed: unknown key (hint: did you mean 'seed'?)"),
    *cases("seed a string", {"plans.0.seed": "x"}, F + "seed: must be an integer (got 'x')"),
    *cases("seed a float", {"plans.0.seed": 1.5}, F + "seed: must be an integer (got 1.5)"),
    *cases("seed beyond 64 bits", {"plans.0.seed": 2**64}, F + "seed: must be a 64-bit integer (got 18446744073709551616)", formats=JSON),
    *cases("description a number", {"plans.0.description": 1}, F + "description: must be a string (got 1)"),
    *cases("tags a string", {"plans.0.tags": "a"}, F + "tags: must be a list (got 'a')"),
    *cases("tags of numbers", {"plans.0.tags": [1]}, F + "tags[0]: must be a string (got 1)"),
    *cases("bus 'localhost'", {"plans.0.bus": "localhost"}, F + "bus: expected a bus URL such as 'redis://localhost:6379/0' (got 'localhost') (hint: memory://, redis://host:port/0 or nats://host:port)"),
    *cases("bus ''", {"plans.0.bus": ""}, F + "bus: expected a bus URL such as 'redis://localhost:6379/0' (got '')"),
    *cases("bus of an unknown scheme", {"plans.0.bus": "kafka://h:1"}, F + "bus: unknown bus 'kafka'"),
    *cases("bus with a bad port", {"plans.0.bus": "redis://h:port/0"}, F + "bus: bus URL redis://h:port/0: Port could not be cast to integer value as 'port'"),
    *cases("bus a number", {"plans.0.bus": 6379}, F + "bus: must be a string (got 6379)"),
    *cases("clock 'real'", {"plans.0.clock": "real"}, F + "clock: must be 'virtual' or 'wall' (got 'real')"),
    *cases("virtual clock on redis", {"plans.0.clock": "virtual", "plans.0.bus": "redis://localhost:6379/0"}, F + "clock: the virtual clock needs a bus that delivers synchronously; redis:// delivers in real time (hint: use --clock wall)"),
    *cases("speed 0", {"plans.0.speed": 0}, F + "speed: must be > 0 and <= 1e+06 (got 0.0)"),
    *cases("speed huge", {"plans.0.speed": 1e300}, F + "speed: must be > 0 and <= 1e+06 (got 1e+300)"),
    *cases("speed nan", {"plans.0.speed": float("nan")}, F + "speed: must be a number (got nan)"),
    *cases("speed inf", {"plans.0.speed": float("inf")}, F + "speed: must be a number (got inf)"),
    *cases("speed a string", {"plans.0.speed": "fast"}, F + "speed: must be a number (got 'fast')"),
    *cases("timeout 'soon'", {"plans.0.timeout": "soon"}, F + "timeout: expected a duration such as '500ms', '5s', '2m' or '1h' (got 'soon')"),
    *cases("timeout 0", {"plans.0.timeout": 0}, F + "timeout: must be > 0 (got 0.0)"),
    *cases("timeout -1", {"plans.0.timeout": -1}, F + "timeout: a duration must be >= 0 (got -1)"),
    *cases("vars a list", {"plans.0.vars": [1]}, F + "vars: must be a table of names to values (got [1])"),
    *cases("vars a callable", {"plans.0.vars": {"callable": "os:getcwd"}}, F + "vars: must be a table of names to values, not a callable"),
    *cases("vars a bad callable", {"plans.0.vars": {"f": {"callable": "nocolon"}}}, F + "vars.f.callable: must be 'module:qualname' (got 'nocolon')"),
    *cases("vars a missing module", {"plans.0.vars": {"f": {"callable": "no_such_module_here:f"}}}, F + "vars.f: untrusted reference 'no_such_module_here:f': a plan file may call code only from modules you trust, and 'no_such_module_here' is not one (hint: if you trust it: --trust no_such_module_here"),
    *cases("vars a 20-digit integer", {"plans.0.vars": {"n": 10**20}}, F + "vars.n: must be a 64-bit integer (got 100000000000000000000)", formats=JSON),
    *cases("vars nan", {"plans.0.vars": {"x": float("nan")}}, F + "vars.x: must be a finite number (got nan)"),
    *cases("an empty plan", {"plans.0.generators": [], "plans.0.steps": [], "plans.0.chaos": [], "plans.0.expectations": []}, "{f}:plans[0]: nothing to run: no steps, no generators, no assertions (hint: give it something to do"),
    # ------------------------------------------------------------------ systems
    *cases("system without a target", {"plans.0.systems": [{}]}, F + "systems[0].target: is required"),
    *cases("system target a number", {"plans.0.systems": [{"target": 1}]}, F + "systems[0].target: must be {callable = 'module:qualname'} (got 1) (hint: {callable = 'mypkg.systems:Echo'})"),
    *cases("system target without a colon", {"plans.0.systems": [{"target": "nocolon"}]}, F + "systems[0].target: must be {callable = 'module:qualname'} (got 'nocolon')"),
    *cases("system of a missing module", {"plans.0.systems": [{"target": "no_such_module_here:S"}]}, F + "systems[0].target: untrusted reference 'no_such_module_here:S': a plan file may call code only from modules you trust, and 'no_such_module_here' is not one (hint: if you trust it: --trust no_such_module_here"),
    *cases("system params a list", {"plans.0.systems": [{"target": "m:S", "params": [1]}]}, F + "systems[0].params: must be a table of names to values (got [1])"),
    # ------------------------------------------------------------------ generators
    *cases("generator without a ref", {G + "ref": DROP}, F + "generators[0].ref: is required"),
    *cases("generator ref a string", {G + "ref": "counter"}, F + "generators[0].ref: must be a table (got 'counter')"),
    *cases("generator of an unknown name", {G + "ref.name": "countr"}, F + "generators[0].ref.name: unknown generator 'countr' (hint: did you mean 'counter'?)"),
    *cases("generator of a missing pack", {G + "ref.name": "acme.ticker"}, F + "generators[0].ref.name: unknown generator 'acme.ticker' (hint: no installed plugin provides 'acme.*' names; install the pack that provides them; `scenario plugins` lists what is installed)"),
    *cases("generator kind profile", {G + "ref.kind": "profile"}, F + "generators[0].ref.kind: must be 'generator' here (got 'profile')"),
    *cases("generator name empty", {G + "ref.name": ""}, F + "generators[0].ref.name: must name a generator (got '')"),
    *cases("generator params a list", {G + "ref.params": [1]}, F + "generators[0].ref.params: must be a table of names to values (got [1])"),
    *cases("generator parameter misspelt", {G + "ref.params": {"stpe": 2}}, F + "generators[0].ref.params.stpe: generator 'counter' has no parameter 'stpe' (hint: did you mean 'step'?)"),
    *cases("generator parameter rejected", {G + "ref.params": {"step": 0}}, F + "generators[0].ref.params.step: must not be 0 (got 0)"),
    *cases("generator without a topic", {G + "topic": DROP}, F + "generators[0].topic: is required"),
    *cases("generator topic empty", {G + "topic": ""}, F + "generators[0].topic: must not be empty"),
    *cases("generator topic a number", {G + "topic": 1}, F + "generators[0].topic: must be a string (got 1)"),
    *cases("generator every 'soon'", {G + "every": "soon"}, F + "generators[0].every: expected a duration such as '500ms', '5s', '2m' or '1h' (got 'soon')"),
    *cases("generator every 0", {G + "every": 0}, F + "generators[0].every: must be > 0 (got 0.0)"),
    *cases("generator every = 1e-300", {G + "every": 1e-300}, F + "generators[0].every: must be at least 1us (got 1e-300) (hint: a generator emits at most a million events a second)"),
    *cases("generator every true", {G + "every": True}, F + "generators[0].every: expected a duration such as '500ms', '5s' or 2.5 (got True)"),
    *cases("generator key = 123", {G + "key": 123}, F + "generators[0].key: must be a string (got 123)"),
    *cases("template with an unknown variable", {G + "ref": {"name": "template", "params": {"payload": {"u": "{{user}}"}}}}, F + "generators[0].ref.params: unknown template variable 'user'; known: index, phase, phase_index, progress, time, timestamp, value"),
    *cases("constant string under trend", {G + "ref": {"name": "constant", "params": {"value": "x"}}, ST + "profile": {"name": "trend"}}, F + "steps[0].profile: generator 'constant' (generators[0]) fails on its first tick under profile 'trend': TypeError: profile 'trend' moves numbers, but the generator's value is 'x'"),
    *cases("a phase of a billion events", {G + "every": "1us", ST + "cycles": DROP, ST + "duration": "1h"}, F + "steps[0]: phase 'a' would emit 3,600,000,000 events from generators[0] (at most 10,000,000 a phase)"),
    # ------------------------------------------------------------------ steps
    *cases("steps a table", {"plans.0.steps": {"type": "phase"}}, F + "steps: must be a list (got {'type': 'phase'})"),
    *cases("step a string", {"plans.0.steps": ["phase"]}, F + "steps[0]: must be a table with a 'type' key (got 'phase')"),
    *cases("step without a type", {ST + "type": DROP}, F + "steps[0].type: is required (hint: one of: phase, publish, wait_for, do, check, generate, replay)"),
    *cases("step of an unknown type", {ST + "type": "phaze"}, F + "steps[0].type: unknown step type 'phaze' (hint: did you mean 'phase'?)"),
    *cases("step type a number", {ST + "type": 1}, F + "steps[0].type: unknown step type 1"),
    *cases("phase cycles 'ten'", {ST + "cycles": "ten"}, F + "steps[0].cycles: must be an integer (got 'ten')"),
    *cases("phase cycles 2.5", {ST + "cycles": 2.5}, F + "steps[0].cycles: must be an integer (got 2.5)"),
    *cases("phase cycles 0", {ST + "cycles": 0}, F + "steps[0].cycles: must be >= 1 (got 0)"),
    *cases("phase cycles beyond 64 bits", {ST + "cycles": 2**70}, F + "steps[0].cycles: must be a 64-bit integer (got 1180591620717411303424)", formats=JSON),
    *cases("phase with both lengths", {ST + "duration": "1s"}, F + "steps[0]: give cycles or duration, not both or neither"),
    *cases("phase with no length", {ST + "cycles": DROP}, F + "steps[0]: give cycles or duration, not both or neither"),
    *cases("phase without a name", {ST + "name": DROP}, F + "steps[0].name: is required"),
    *cases("phase name a number", {ST + "name": 1}, F + "steps[0].name: must be a string (got 1)"),
    *cases("phase unknown key", {ST + "cycels": 2}, F + "steps[0].cycels: unknown key (hint: did you mean 'cycles'?)"),
    *cases("phase of an unknown profile", {ST + "profile": {"name": "stedy"}}, F + "steps[0].profile.name: unknown profile 'stedy' (hint: did you mean 'steady'?)"),
    *cases("phase profile parameter rejected", {ST + "profile": {"name": "steady", "params": {"noise": -1}}}, F + "steps[0].profile.params.noise: must be >= 0 (got -1)"),
    *cases("two phases of one name", {"plans.0.steps.1": {"type": "phase", "name": "a", "cycles": 1}}, F + "steps[1].name: phase 'a' is already defined at steps[0] (hint: give each phase its own name)"),
    *cases("publish without a topic", {"plans.0.steps.1": {"type": "publish"}}, F + "steps[1].topic: is required"),
    *cases("publish topic empty", {"plans.0.steps.1": {"type": "publish", "topic": ""}}, F + "steps[1].topic: must not be empty"),
    *cases("publish repeat 0", {"plans.0.steps.1": {"type": "publish", "topic": "o", "repeat": 0}}, F + "steps[1].repeat: must be >= 1 and <= 1,000,000 (got 0)"),
    *cases("publish repeat 10**9", {"plans.0.steps.1": {"type": "publish", "topic": "o", "repeat": 10**9}}, F + "steps[1].repeat: must be >= 1 and <= 1,000,000 (got 1000000000)"),
    *cases("publish interval -1", {"plans.0.steps.1": {"type": "publish", "topic": "o", "interval": -1}}, F + "steps[1].interval: a duration must be >= 0 (got -1)"),
    *cases("publish headers = {h = 1}", {"plans.0.steps.1": {"type": "publish", "topic": "o", "headers": {"h": 1}}}, F + "steps[1].headers.h: must be a string (got 1) (hint: h = '1')"),
    *cases("publish headers a list", {"plans.0.steps.1": {"type": "publish", "topic": "o", "headers": ["h"]}}, F + "steps[1].headers: must be a table of names to values (got ['h'])"),
    *cases("publish unknown variable", {"plans.0.steps.1": {"type": "publish", "topic": "o", "payload": {"u": "{{user}}"}}}, F + "steps[1].payload: unknown template variable 'user'; known: cycle, index, seed, time, timestamp (hint: define it with .vars(...) or --var name=value"),
    *cases("publish payload nan", {"plans.0.steps.1": {"type": "publish", "topic": "o", "payload": {"x": float("nan")}}}, F + "steps[1].payload.x: must be a finite number (got nan)"),
    *cases("publish payload 2**64", {"plans.0.steps.1": {"type": "publish", "topic": "o", "payload": {"x": 2**64}}}, F + "steps[1].payload.x: must be a 64-bit integer (got 18446744073709551616)", formats=JSON),
    *cases("publish payload a bad callable", {"plans.0.steps.1": {"type": "publish", "topic": "o", "payload": {"callable": 5}}}, F + "steps[1].payload.callable: must be 'module:qualname' (got 5)"),
    *cases("publish key a number", {"plans.0.steps.1": {"type": "publish", "topic": "o", "key": 7}}, F + "steps[1].key: must be a string (got 7)"),
    *cases("wait_for timeout 0", {"plans.0.steps.1": {"type": "wait_for", "topic": "o", "timeout": 0}}, F + "steps[1].timeout: must be > 0 (got 0.0)"),
    *cases("wait_for where a string", {"plans.0.steps.1": {"type": "wait_for", "topic": "o", "where": "x"}}, F + "steps[1].where: must be a table of payload conditions or {callable = 'module:name'} (got 'x')"),
    *cases("wait_for where gtt", {"plans.0.steps.1": {"type": "wait_for", "topic": "o", "where": {"value": {"gtt": 3}}}}, F + "steps[1].where.value.gtt: unknown operator 'gtt' (hint: did you mean 'gt'?)"),
    *cases("wait_for where in a number", {"plans.0.steps.1": {"type": "wait_for", "topic": "o", "where": {"side": {"in": 3}}}}, F + "steps[1].where.side.in: must be a list (got 3)"),
    *cases("wait_for where an unimportable value", {"plans.0.steps.1": {"type": "wait_for", "topic": "o", "where": {"v": {"eq": {"callable": "no_such_module_here:x"}}}}}, F + "steps[1].where.v.eq: untrusted reference 'no_such_module_here:x': a plan file may call code only from modules you trust, and 'no_such_module_here' is not one (hint: if you trust it: --trust no_such_module_here"),
    *cases("do without fn", {"plans.0.steps.1": {"type": "do"}}, F + "steps[1].fn: is required"),
    *cases("do fn a number", {"plans.0.steps.1": {"type": "do", "fn": 3}}, F + "steps[1].fn: must be {callable = 'module:qualname'} (got 3)"),
    *cases("do of a missing module", {"plans.0.steps.1": {"type": "do", "fn": {"callable": "no_such_module_here:f"}}}, F + "steps[1].fn: untrusted reference 'no_such_module_here:f': a plan file may call code only from modules you trust, and 'no_such_module_here' is not one (hint: if you trust it: --trust no_such_module_here"),
    *cases("check without assertions", {"plans.0.steps.1": {"type": "check", "name": "c"}}, F + "steps[1].assertions: must list at least one assertion"),
    *cases("check of an unknown assertion", {"plans.0.steps.1": {"type": "check", "name": "c", "assertions": [{"name": "cuont"}]}}, F + "steps[1].assertions[0].name: unknown assertion 'cuont' (hint: did you mean 'count'?)"),
    *cases("check where gtt", {"plans.0.steps.1": {"type": "check", "name": "c", "assertions": [{"name": "never", "params": {"topic": "x", "where": {"v": {"gtt": 1}}}}]}}, F + "steps[1].assertions[0].params.where.v.gtt: unknown operator 'gtt' (hint: did you mean 'gt'?)"),
    *cases("generate count 0", {"plans.0.steps.1": {"type": "generate", "count": 0}}, F + "steps[1].count: must be >= 1 and <= 1,000,000 (got 0)"),
    *cases("generate count 'x'", {"plans.0.steps.1": {"type": "generate", "count": "x"}}, F + "steps[1].count: must be an integer (got 'x')"),
    *cases("replay of a missing file", {"plans.0.steps.1": {"type": "replay", "path": "missing.jsonl"}}, F + "steps[1].path: no such file 'missing.jsonl' (hint: give the events.jsonl of an earlier run)"),
    *cases("replay path empty", {"plans.0.steps.1": {"type": "replay", "path": ""}}, F + "steps[1].path: must name an events.jsonl file"),
    *cases("replay speed 0", {"plans.0.steps.1": {"type": "replay", "path": "x.jsonl", "speed": 0}}, F + "steps[1].speed: must be > 0 (got 0.0)"),
    # ------------------------------------------------------------------ chaos
    *cases("chaos without an action", {CH + "action": DROP}, F + "chaos[0].action: is required"),
    *cases("chaos of an unknown action", {CH + "action.name": "dorp"}, F + "chaos[0].action.name: unknown chaos action 'dorp' (hint: did you mean 'drop'?)"),
    *cases("chaos kind assertion", {CH + "action.kind": "assertion"}, F + "chaos[0].action.kind: must be 'chaos' here (got 'assertion')"),
    *cases("Duplicate copies 10**8", {CH + "action": {"name": "duplicate", "params": {"copies": 10**8}}}, F + "chaos[0].action.params.copies: must be an integer from 1 to 1,000 (got 100000000)"),
    *cases("Reorder window 10**9", {CH + "action": {"name": "reorder", "params": {"window": 10**9}}}, F + "chaos[0].action.params.window: must be an integer from 2 to 100,000 (got 1000000000)"),
    *cases("Delay ms -1", {CH + "action": {"name": "delay", "params": {"ms": -1}}}, F + "chaos[0].action.params.ms: must be a number >= 0 (got -1)"),
    *cases("Delay msec", {CH + "action": {"name": "delay", "params": {"msec": 1}}}, F + "chaos[0].action.params.msec: chaos 'delay' has no parameter 'msec' (hint: did you mean 'ms'?)"),
    *cases("probability 2", {T + "probability": 2}, F + "chaos[0].triggers.probability: must be in [0, 1] (got 2.0)"),
    *cases("probability a string", {T + "probability": "half"}, F + "chaos[0].triggers.probability: must be a number (got 'half')"),
    *cases("topics a number", {T + "topics": 1}, F + "chaos[0].triggers.topics: must be a list (got 1)"),
    *cases("topics empty", {T + "topics": []}, F + "chaos[0].triggers.topics: must list topic patterns (got ())"),
    *cases("every 2.5", {T + "every": 2.5}, F + "chaos[0].triggers.every: must be an integer (got 2.5)"),
    *cases("every 0", {T + "every": 0}, F + "chaos[0].triggers.every: must be >= 1 (got 0)"),
    *cases("max_times 1.5", {T + "max_times": 1.5}, F + "chaos[0].triggers.max_times: must be an integer (got 1.5)"),
    *cases("at_cycle backwards", {T + "at_cycle": [5, 1]}, F + "chaos[0].triggers.at_cycle: must satisfy 0 <= first <= last (got [5, 1])"),
    *cases("at_cycle a string", {T + "at_cycle": "3"}, F + "chaos[0].triggers.at_cycle: must be a list of 2 integers (got '3')"),
    *cases("between of three", {T + "between": [1, 2, 3]}, F + "chaos[0].triggers.between: must be a list of 2 durations (got [1, 2, 3])"),
    *cases("between backwards", {T + "between": ["5s", "1s"]}, F + "chaos[0].triggers.between: must satisfy 0 <= start <= end (got [5.0, 1.0])"),
    *cases("after empty", {T + "after": ""}, F + "chaos[0].triggers.after: must name a topic (got '')"),
    *cases("where gtt", {T + "where": {"value": {"gtt": 3}}}, F + "chaos[0].triggers.where.value.gtt: unknown operator 'gtt' (hint: did you mean 'gt'?)"),
    *cases("where a list", {T + "where": [1]}, F + "chaos[0].triggers.where: must be a table of payload conditions or {callable = 'module:name'} (got [1])"),
    *cases("where an unimportable value", {T + "where": {"v": {"callable": "no_such_module_here:v"}}}, F + "chaos[0].triggers.where.v: untrusted reference 'no_such_module_here:v': a plan file may call code only from modules you trust, and 'no_such_module_here' is not one (hint: if you trust it: --trust no_such_module_here"),
    *cases("where of a missing module", {T + "where": {"callable": "no_such_module_here:p"}}, F + "chaos[0].triggers.where: untrusted reference 'no_such_module_here:p': a plan file may call code only from modules you trust, and 'no_such_module_here' is not one (hint: if you trust it: --trust no_such_module_here"),
    *cases("an unknown trigger", {T + "probabilty": 1}, F + "chaos[0].triggers.probabilty: unknown key (hint: did you mean 'probability'?)"),
    *cases("during an unknown phase", {CH + "during": "b"}, F + "chaos[0].during: no phase named 'b' (phases: 'a')"),
    # ------------------------------------------------------------------ expectations, relays
    *cases("expectation of an unknown name", {EX + "name": "cuont"}, F + "expectations[0].name: unknown assertion 'cuont' (hint: did you mean 'count'?)"),
    *cases("expectation without bounds", {EX + "params": {"topic": "t"}}, F + "expectations[0].params.min: give min, max or exact"),
    *cases("expectation parameter misspelt", {EX + "params.mni": 1}, F + "expectations[0].params.mni: assertion 'count' has no parameter 'mni'"),
    *cases("expectation where gtt", {EX + "params.where": {"v": {"gtt": 1}}}, F + "expectations[0].params.where.v.gtt: unknown operator 'gtt' (hint: did you mean 'gt'?)"),
    *cases("Always predicate lte", {EX + "name": "always", EX + "params": {"topic": "t", "predicate": {"v": {"lte": 1}}}}, F + "expectations[0].params.predicate.v.lte: unknown operator 'lte' (hint: did you mean 'le'?)"),
    *cases("expectation a string", {"plans.0.expectations": ["count"]}, F + "expectations[0]: must be a table (got 'count')"),
    *cases("relay without a target", {"plans.0.relays": [{"source": "a"}]}, F + "relays[0].target: is required"),
    *cases("relay source empty", {"plans.0.relays": [{"source": "", "target": "b"}]}, F + "relays[0].source: must name a topic (got '')"),
    # ------------------------------------------------------------------ nesting and numbers
    *cases("a payload 100 levels deep", {"plans.0.vars": {"x": json.loads("[" * 100 + "]" * 100)}}, "nested more than 64 levels deep", formats=JSON),
]

DEEP_TOML = 'format = 1\n[[plans]]\nname = "p"\nvars = {x = ' + "[" * 1000 + "]" * 1000 + "}\n"
DEEP_JSON = '{"format": 1, "plans": [{"name": "p", "vars": {"x": ' + "[" * 1000 + "]" * 1000 + "}}]}"
DOTTED = 'format = 1\n[[plans]]\nname = "p"\n[plans.vars]\n' + ".".join(["a"] * 100) + " = 1\n"
CASES += [
    raw("TOML syntax error", "toml", 'format = 1\n[[plans]]\nname = "p\n', "plan.toml:3:10: invalid TOML: Illegal character '\\n'"),
    raw("TOML duplicate key", "toml", 'format = 1\nformat = 1\n', "plan.toml:2:11: invalid TOML: Cannot overwrite a value"),
    raw("TOML of a 5,000-digit integer", "toml", "format = 1\nseed = " + "9" * 5000 + "\n", "plan.toml: invalid TOML: an integer with 5000 digits (hint: integers in a plan are 64-bit: at most 19 digits)"),
    raw("TOML nested 1,000 deep", "toml", DEEP_TOML, "plan.toml:4:76: invalid TOML: nested more than 64 levels deep (hint: a plan needs a few levels; generate deep data in a system or a template)"),
    raw("TOML dotted keys 100 deep", "toml", DOTTED, "plan.toml:plans[0].vars.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a: nested more than 64 levels deep"),
    raw("TOML empty", "toml", "", "plan.toml:format: is required"),
    raw("TOML a bare string", "toml", "hello", "plan.toml: invalid TOML: Expected '=' after a key in a key/value pair (at end of document)"),
    Case("TOML not UTF-8 [toml]", {"plan.toml": b"format = 1\nname = 'caf\xe9'\n"}, ("check", "plan.toml"), "plan.toml: cannot read: 'utf-8' codec can't decode byte 0xe9 in position 22: invalid continuation byte"),
    raw("JSON syntax error", "json", '{"format": 1,\n  "plans": [,]}', "plan.json:2:13: invalid JSON: Expecting value"),
    raw("JSON of a 5,000-digit integer", "json", '{"format": 1, "plans": [{"name": "p", "seed": ' + "9" * 5000 + "}]}", "plan.json: invalid JSON: an integer with 5000 digits (hint: integers in a plan are 64-bit: at most 19 digits)"),
    raw("JSON nested 1,000 deep", "json", DEEP_JSON, "plan.json:1:113: invalid JSON: nested more than 64 levels deep"),
    raw("JSON nested 100,000 deep", "json", "[" * 100000 + "]" * 100000, "plan.json:1:65: invalid JSON: nested more than 64 levels deep"),
    raw("JSON a key given twice", "json", '{"format": 1, "format": 1, "plans": [{"name": "p"}]}', "plan.json: invalid JSON: the key 'format' is given twice in one object (hint: keep one of them)"),
    raw("JSON a list", "json", "[1, 2]", "plan.json: a plan file must be a table (got [1, 2])"),
    raw("JSON a string", "json", '"plan"', "plan.json: a plan file must be a table (got 'plan')"),
    raw("JSON empty", "json", "", "plan.json:1:1: invalid JSON: Expecting value"),
    raw("JSON NaN seed", "json", '{"format": 1, "plans": [{"name": "p", "seed": NaN}]}', "plan.json:plans[0].seed: must be an integer (got nan)"),
    raw("JSON Infinity speed", "json", '{"format": 1, "plans": [{"name": "p", "speed": Infinity}]}', "plan.json:plans[0].speed: must be a number (got inf)"),
    raw("JSON null name", "json", '{"format": 1, "plans": [{"name": null}]}', "plan.json:plans[0].name: must be a string (got None)"),
    raw("JSON a BOM", "json", '\ufeff{"format": 1}', "plan.json:1:1: invalid JSON: Unexpected UTF-8 BOM (decode using utf-8-sig)"),
    Case("a missing plan file", {}, ("check", "missing.toml"), "missing.toml: no such file"),
    Case("a plan file that is a folder", {"dir.json/x": ""}, ("check", "dir.json"), "dir.json: is a directory\n  hint: give files, e.g. dir.json/*.py"),
    Case("the second plan of a file is bad", {"plan.toml": dump(changed({"plans.1": {"name": "q", "steps": [{"type": "phase", "name": "a", "cycles": 0}]}}), "toml")}, ("check", "plan.toml"), "plan.toml:plans[1].steps[0].cycles: must be >= 1 (got 0)"),
    Case("the second plan of a file misspells a profile", {"plan.json": dump(changed({"plans.1": {"name": "q", "steps": [{"type": "phase", "name": "a", "cycles": 1, "profile": {"name": "stedy"}}]}}), "json")}, ("check", "plan.json"), "plan.json:plans[1].steps[0].profile.name: unknown profile 'stedy' (hint: did you mean 'steady'?)"),
]

CASES += [
    *cases("generator every of 11 years", {G + "every": "100000h"}, F + "generators[0].every: a duration must be at most 10 years (got '100000h')"),
    *cases("phase of 1e300 seconds", {ST + "cycles": DROP, ST + "duration": 1e300}, F + "steps[0].duration: a duration must be at most 10 years (got 1e+300)"),
    *cases("Delay ms 1e300", {CH + "action": {"name": "delay", "params": {"ms": 1e300}}}, F + "chaos[0].action.params.ms: must be at most 10 years in milliseconds (got 1e+300)"),
    *cases("Outage duration of 11 years", {CH + "action": {"name": "outage", "params": {"duration": "100000h"}}}, F + "chaos[0].action.params.duration: must be a number >= 0 (got '100000h')"),
    *cases("between of 11 years", {T + "between": [0, "100000h"]}, F + "chaos[0].triggers.between: must be a list of 2 durations (got [0, '100000h'])"),
    *cases("sine period 0", {ST + "profile": {"name": "sine", "params": {"period": 0}}}, F + "steps[0].profile.params.period: must be > 0 (got 0)"),
    *cases("steps levels empty", {ST + "profile": {"name": "steps", "params": {"levels": []}}}, F + "steps[0].profile.params.levels: must be a non-empty list of numbers (got [])"),
]
