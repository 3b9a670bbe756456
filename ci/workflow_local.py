"""The engine of ci/workflow-local.sh: runs the Linux jobs of a GitHub
Actions workflow here, step by step, in an environment shaped like a fresh
ubuntu-latest runner. ci/workflow-local.sh says what it emulates and how;
run that script, not this file (it installs PyYAML first)."""

import argparse
import glob
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = "ubuntu-latest"
SHA = re.compile(r"^[0-9a-f]{40}$")
# Toolchain-action commits this engine knows, with the toolchain each one
# installs (the action's version branches take no `toolchain` input).
RUST_TOOLCHAIN_ACTION = {
    "e081816240890017053eacbb1bdf337761dc5582": "1.95.0",  # branch 1.95.0
    "c93f4f9c67595668add93d3d6895795ce52d8c2d": "1.85.0",  # branch 1.85.0
    "193d6aa1dbbc28bd2c0a6b0e327cfdce68baaf6e": "1.89.0",  # branch 1.89.0
}
# A plain PATH, as on a fresh runner; the toolchain's bin comes first.
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Fail(Exception):
    """The workflow asks for something this engine cannot do honestly."""


def say(*words):
    print(*words, flush=True)


# ---------------------------------------------------------- expressions --


def tokenize(text):
    spec = r"\s+|(?P<s>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||[!()])|(?P<n>[A-Za-z_][\w.\-*]*)|(?P<num>\d+(?:\.\d+)?)"
    pos, out = 0, []
    for m in re.finditer(spec, text):
        if m.start() != pos:
            raise Fail(f"cannot read expression {text!r} at {text[pos:]!r}")
        pos = m.end()
        if m.group("s"):
            out.append(("str", m.group("s")[1:-1].replace("''", "'")))
        elif m.group("op"):
            out.append(("op", m.group("op")))
        elif m.group("n"):
            out.append(("name", m.group("n")))
        elif m.group("num"):
            out.append(("str", m.group("num")))
    if pos != len(text):
        raise Fail(f"cannot read expression {text!r} at {text[pos:]!r}")
    return out


class Expr:
    """A GitHub expression: context paths, string literals, !, ==, !=, &&,
    ||, parentheses and the status functions."""

    STATUS = {"success", "failure", "always", "cancelled"}

    def __init__(self, text, contexts, status):
        self.toks = tokenize(text)
        self.i = 0
        self.contexts = contexts
        self.status = status
        self.text = text

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def value(self):
        v = self.or_()
        if self.i != len(self.toks):
            raise Fail(f"unexpected {self.peek()[1]!r} in expression {self.text!r}")
        return v

    def or_(self):
        v = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            w = self.and_()
            v = v if truthy(v) else w
        return v

    def and_(self):
        v = self.cmp()
        while self.peek() == ("op", "&&"):
            self.take()
            w = self.cmp()
            v = w if truthy(v) else v
        return v

    def cmp(self):
        v = self.unary()
        while self.peek() in (("op", "=="), ("op", "!=")):
            op = self.take()[1]
            w = self.unary()
            same = str(v).lower() == str(w).lower()
            v = same if op == "==" else not same
        return v

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.atom()

    def atom(self):
        kind, tok = self.take()
        if kind == "str":
            return tok
        if (kind, tok) == ("op", "("):
            v = self.or_()
            if self.take() != ("op", ")"):
                raise Fail(f"missing ) in expression {self.text!r}")
            return v
        if kind == "name":
            if self.peek() == ("op", "("):
                self.take()
                if self.take() != ("op", ")") or tok not in self.STATUS:
                    raise Fail(f"function {tok}(...) is not known here ({self.text!r})")
                return self.status(tok)
            if tok in ("true", "false"):
                return tok == "true"
            if tok == "null":
                return None
            return lookup(self.contexts, tok)
        raise Fail(f"cannot read expression {self.text!r}")


def truthy(v):
    return v not in (None, False, "", 0, "0")


def lookup(contexts, path):
    parts = path.split(".")
    if parts[0] not in contexts:
        raise Fail(f"context {parts[0]!r} is not emulated (in {path!r})")
    v = contexts[parts[0]]
    for p in parts[1:]:
        v = v.get(p) if isinstance(v, dict) else None
    return v


def substitute(text, contexts):
    """Replaces each ${{ expr }} in a string."""
    if not isinstance(text, str):
        return text

    def one(m):
        v = Expr(m.group(1), contexts, no_status).value()
        if isinstance(v, bool):
            return "true" if v else "false"
        return "" if v is None else str(v)

    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def no_status(name):
    raise Fail(f"{name}() is only allowed in if:")


def condition(text, contexts, job_failed):
    """Evaluates a step's if: (implicitly `success() && (...)` when it names
    no status function)."""
    if text is None or text == "":
        return not job_failed
    if isinstance(text, bool):
        return text and not job_failed
    text = str(text).strip()
    m = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
    if m:
        text = m.group(1)
    names = {t for k, t in tokenize(text) if k == "name"}
    if not names & Expr.STATUS:
        text = f"success() && ({text})"

    def status(name):
        return {
            "success": not job_failed,
            "failure": job_failed,
            "always": True,
            "cancelled": False,
        }[name]

    return truthy(Expr(text, contexts, status).value())


# ------------------------------------------------------------- the jobs --


def matrix_entries(job, job_id):
    """The job's matrix entries, as GitHub expands them: the product of its
    keys, less `exclude`, then each `include` added to every one of those
    combinations it does not contradict (only new keys), or as an entry of
    its own. An include never merges into an entry another include made:
    an include-only matrix has one entry per include."""
    strategy = job.get("strategy") or {}
    matrix = strategy.get("matrix")
    if not matrix:
        return [{}]
    if not isinstance(matrix, dict):
        raise Fail(f"job {job_id}: matrix given as an expression is not emulated")
    include, exclude = matrix.get("include") or [], matrix.get("exclude") or []
    keys = [k for k in matrix if k not in ("include", "exclude")]
    entries = [dict(zip(keys, combo)) for combo in itertools.product(*(matrix[k] for k in keys))] if keys else []
    entries = [e for e in entries if not any(all(e.get(k) == v for k, v in x.items()) for x in exclude)]
    added = []
    for extra in include:
        fits = [e for e in entries if all(e[k] == v for k, v in extra.items() if k in keys)]
        for e in fits:
            e.update({k: v for k, v in extra.items() if k not in keys})
        if not fits:
            added.append(dict(extra))
    return entries + added or [{}]


def matrix_wanted(matrix, wanted):
    """Whether a matrix entry passes every `--matrix KEY=VALUE` given (an
    entry without the key passes)."""
    return all(str(matrix.get(k, v)) == v for k, v in wanted)


def read_env_file(path):
    """NAME=value lines and NAME<<DELIMITER blocks, as GITHUB_ENV and
    GITHUB_OUTPUT hold them."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            while i < len(lines) and lines[i].rstrip("\r") != delim:
                body.append(lines[i].rstrip("\r"))
                i += 1
            if i == len(lines):
                raise Fail(f"{path}: no closing {delim!r} for {name}")
            i += 1
            out[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        else:
            raise Fail(f"{path}: cannot read line {line!r}")
    return out


def shell_command(shell, script):
    if shell is None:
        return ["bash", "-e", script]
    return {
        "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
        "sh": ["sh", "-e", script],
        "python": ["python", script],
    }.get(shell) or (
        shell.replace("{0}", script).split() if "{0}" in shell else None
    ) or fail(f"shell {shell!r} is not emulated")


def fail(message):
    raise Fail(message)


class Job:
    def __init__(self, args, workflow, job_id, job, matrix, sha, ref):
        self.args = args
        self.workflow = workflow
        self.job_id = job_id
        self.job = job
        self.matrix = matrix
        self.sha = sha
        self.ref = ref
        self.key = job_id + "".join(f"-{v}" for v in matrix.values())
        self.dir = os.path.join(ROOT, "target", "workflow-local", self.key)
        self.workspace = os.path.join(self.dir, "work")
        self.home = os.path.join(self.dir, "home")
        self.temp = os.path.join(self.dir, "tmp")
        self.tools = os.path.join(self.dir, "tools")
        self.results = []
        self.notes = []
        self.failed = False
        self.global_env = {}  # what steps wrote to GITHUB_ENV, and emulated actions set
        self.path_prefix = []  # GITHUB_PATH entries, newest first
        self.steps_ctx = {}
        self.action_env = {}  # inside a local action: the calling step's env and GITHUB_ACTION_PATH
        self.files = 0  # steps run so far, job steps and local actions' steps: names their files
        self.contexts = {
            "matrix": matrix,
            "github": {
                "workflow": workflow.get("name", ""),
                "ref": ref,
                "sha": sha,
                "event_name": "push",
                "workspace": self.workspace,
                "repository": "local/" + os.path.basename(ROOT),
            },
            "runner": {"os": "Linux", "arch": "X64", "temp": self.temp},
            "env": {},
            "steps": self.steps_ctx,
            "secrets": {},
        }
        self.name = substitute(job.get("name", job_id), self.contexts)

    # The environment of a step: a fresh runner's, plus what earlier steps
    # and the workflow's env: give it.
    def base_env(self):
        env = {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": self.workspace,
            "GITHUB_SHA": self.sha,
            "GITHUB_REF": self.ref,
            "GITHUB_WORKFLOW": self.contexts["github"]["workflow"],
            "GITHUB_JOB": self.job_id,
            "GITHUB_EVENT_NAME": "push",
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "RUNNER_TEMP": self.temp,
            "HOME": self.home,
            "LANG": "C.UTF-8",
            "RUSTUP_HOME": self.args.rustup_home,
            "CARGO_HOME": self.args.cargo_home,
        }
        for name in self.args.pass_env:
            if name in os.environ:
                env[name] = os.environ[name]
        if "RUSTUP_AUTO_INSTALL" in os.environ:
            env["RUSTUP_AUTO_INSTALL"] = os.environ["RUSTUP_AUTO_INSTALL"]
        path = [*self.path_prefix, os.path.join(self.args.cargo_home, "bin"), BASE_PATH]
        env["PATH"] = ":".join(path)
        return env

    def step_env(self, step, files):
        env = self.base_env()
        env.update(self.global_env)
        env.update(self.action_env)
        for scope in (self.workflow.get("env"), self.job.get("env"), step.get("env")):
            for k, v in (scope or {}).items():
                self.contexts["env"] = {**env}
                env[k] = substitute(str(v) if not isinstance(v, bool) else str(v).lower(), self.contexts)
        env.update(files)
        self.contexts["env"] = {**env}
        return env

    def prepare(self):
        if os.path.exists(self.dir):
            shutil.rmtree(self.dir)
        for d in (self.home, self.temp, self.tools, self.workspace):
            os.makedirs(d)
        # A fresh runner's python3 has no numpy: the bug this catches is a
        # test step that needs one before any step makes it.
        env = self.base_env()
        py = shutil.which("python3", path=env["PATH"])
        if py is None:
            raise Fail("no python3 on the plain PATH: a fresh runner has one")
        if subprocess.run([py, "-c", "import numpy"], env=env, capture_output=True).returncode == 0:
            raise Fail(f"{py} imports numpy: it does not look like a fresh runner's python3")
        self.notes.append(f"python3 on PATH before any step: {py} (no numpy)")

    def run(self):
        say(f"\n######## job {self.job_id}: {self.name} (runs-on {RUNNER})")
        self.prepare()
        deadline = time.monotonic() + 60 * float(self.job.get("timeout-minutes", 360))
        defaults = {
            **((self.workflow.get("defaults") or {}).get("run") or {}),
            **((self.job.get("defaults") or {}).get("run") or {}),
        }
        self.failed = not self.run_steps(self.job.get("steps") or [], defaults, deadline, "")
        if self.failed or self.args.keep:
            self.notes.append(f"job directory kept: {os.path.relpath(self.dir, ROOT)}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return not self.failed

    def run_steps(self, steps, defaults, deadline, prefix):
        """Runs steps in order, as a job (prefix "") or a local action
        ("3." for job step 3) runs them; True when none failed."""
        failed = False
        for n, step in enumerate(steps, 1):
            number = f"{prefix}{n}"
            label = step.get("name") or (f"uses {step['uses']}" if "uses" in step else f"run {step.get('run', '').splitlines()[0]}")
            label = substitute(label, self.contexts)
            if not condition(step.get("if"), self.contexts, failed):
                self.results.append((number, "skipped", 0.0, label))
                why = f"if: {step['if']}" if step.get("if") is not None else "an earlier step failed"
                say(f"\n==> [{self.job_id} {number}] {label}: skipped ({why})")
                continue
            say(f"\n==> [{self.job_id} {number}] {label}")
            start = time.monotonic()
            index = len(self.results)
            try:
                ok = self.step(step, defaults, deadline, number)
            except (Fail, OSError, subprocess.CalledProcessError) as e:
                say(f"workflow-local: {e}")
                ok = False
            secs = time.monotonic() - start
            # A local action's own steps were recorded after it: it goes first.
            if not ok and step.get("continue-on-error") is True:
                self.results.insert(index, (number, "failed (continue-on-error)", secs, label))
            elif not ok:
                failed = True
                self.results.insert(index, (number, "FAILED", secs, label))
            else:
                self.results.insert(index, (number, "success", secs, label))
        return not failed

    def step(self, step, defaults, deadline, number):
        self.files += 1
        files = {}
        for var in ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
            files[var] = os.path.join(self.temp, f"{var.lower()}-{self.files}")
            open(files[var], "w").close()
        env = self.step_env(step, files)
        if "uses" in step:
            ok = self.uses(step, env, files, deadline, number)
        elif "run" in step:
            ok = self.run_step(step, defaults, env, files, deadline)
        else:
            raise Fail("a step with neither run: nor uses:")
        # What the step left for later steps.
        self.global_env.update(read_env_file(files["GITHUB_ENV"]))
        with open(files["GITHUB_PATH"], encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    self.path_prefix.insert(0, line.strip())
        if step.get("id"):
            self.contexts["steps"][step["id"]] = {
                "outputs": read_env_file(files["GITHUB_OUTPUT"]),
                "outcome": "success" if ok else "failure",
            }
        return ok

    def run_step(self, step, defaults, env, files, deadline):
        script = substitute(step["run"], self.contexts)
        shell = step.get("shell", defaults.get("shell"))
        if shell is None and "inputs" in self.contexts:
            raise Fail("a run step of a composite action has no shell: (GitHub requires one)")
        path = os.path.join(self.temp, f"step-{self.files}.sh")
        with open(path, "w", encoding="utf-8") as f:
            f.write(script)
        wd = step.get("working-directory", defaults.get("working-directory"))
        cwd = os.path.join(self.workspace, substitute(wd, self.contexts)) if wd else self.workspace
        limit = deadline - time.monotonic()
        if "timeout-minutes" in step:
            limit = min(limit, 60 * float(step["timeout-minutes"]))
        proc = subprocess.Popen(
            shell_command(shell, path), cwd=cwd, env=env, stdin=subprocess.DEVNULL, start_new_session=True
        )
        try:
            rc = proc.wait(timeout=max(limit, 1))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            say(f"workflow-local: step timed out after {limit:.0f} s")
            return False
        if rc != 0:
            say(f"workflow-local: step exited {rc}")
        return rc == 0

    # ------------------------------------------------ emulated actions --

    def uses(self, step, env, files, deadline, number):
        ref = step["uses"]
        inputs = {k: substitute(str(v) if not isinstance(v, bool) else str(v).lower(), self.contexts)
                  for k, v in (step.get("with") or {}).items()}
        if ref.startswith("./"):
            return self.local_action(ref, step, inputs, files, deadline, number)
        action, _, version = ref.partition("@")
        if not SHA.match(version):
            raise Fail(f"{ref}: not pinned to a full commit SHA")

        def only(*known):
            extra = set(inputs) - set(known)
            if extra:
                raise Fail(f"{action}: inputs {sorted(extra)} are not emulated")

        if action == "actions/checkout":
            only("persist-credentials", "fetch-depth")
            return self.checkout(env)
        if action == "dtolnay/rust-toolchain":
            only("toolchain", "components")
            return self.toolchain(version, inputs, env)
        if action == "actions/setup-python":
            only("python-version")
            return self.setup_python(inputs, env)
        if action == "actions/upload-artifact":
            only("name", "path", "if-no-files-found", "retention-days")
            return self.upload(inputs)
        raise Fail(f"{ref}: this action is not emulated")

    def local_action(self, ref, step, given, files, deadline, number):
        """`uses: ./PATH`: the composite action in the checkout, its steps
        run here as the runner runs them: inputs from `with:` and the
        action's defaults (${{ inputs.x }}), its own steps context, the
        calling step's env, GITHUB_ACTION_PATH and github.action_path; what
        its steps write to GITHUB_ENV and GITHUB_PATH reaches the job; its
        outputs become the calling step's."""
        path = os.path.normpath(os.path.join(self.workspace, ref))
        found = [f for f in (os.path.join(path, "action.yml"), os.path.join(path, "action.yaml")) if os.path.isfile(f)]
        if not found:
            raise Fail(f"{ref}: no action.yml or action.yaml in the checkout (is it checked out?)")
        with open(found[0], encoding="utf-8") as f:
            action = yaml.safe_load(f)
        runs = action.get("runs") or {}
        if runs.get("using") != "composite":
            raise Fail(f"{ref}: runs.using {runs.get('using')!r} is not emulated (composite only)")
        declared = action.get("inputs") or {}
        unknown = set(given) - set(declared)
        if unknown:
            raise Fail(f"{ref}: inputs {sorted(unknown)} are not the action's ({', '.join(declared)})")
        inputs = {}
        for name, spec in declared.items():
            spec = spec or {}
            if name in given:
                inputs[name] = given[name]
            elif spec.get("required") is True and "default" not in spec:
                raise Fail(f"{ref}: required input {name!r} is missing")
            else:
                default = spec.get("default", "")
                inputs[name] = substitute(str(default).lower() if isinstance(default, bool) else str(default), self.contexts)
        outer_contexts, outer_env = self.contexts, self.action_env
        self.contexts = {
            **outer_contexts,
            "inputs": inputs,
            "steps": {},
            "github": {**outer_contexts["github"], "action_path": path},
        }
        self.action_env = {**outer_env, **{k: v for k, v in self.contexts["env"].items()
                                           if k in (step.get("env") or {})}, "GITHUB_ACTION_PATH": path}
        try:
            ok = self.run_steps(runs.get("steps") or [], {}, deadline, f"{number}.")
            outputs = {name: substitute((spec or {}).get("value", ""), self.contexts)
                       for name, spec in (action.get("outputs") or {}).items()}
        finally:
            self.contexts, self.action_env = outer_contexts, outer_env
        with open(files["GITHUB_OUTPUT"], "a", encoding="utf-8") as f:
            for name, value in outputs.items():
                if "\n" in value:
                    f.write(f"{name}<<__workflow_local__\n{value}\n__workflow_local__\n")
                else:
                    f.write(f"{name}={value}\n")
        return ok

    def checkout(self, env):
        git = ["git", "-c", "advice.detachedHead=false"]
        subprocess.run([*git, "clone", "--quiet", "--no-checkout", "--no-hardlinks", ROOT, self.workspace],
                       check=True, env=env)
        have = subprocess.run([*git, "-C", self.workspace, "cat-file", "-e", self.sha + "^{commit}"],
                              env=env, capture_output=True).returncode == 0
        if not have:
            subprocess.run([*git, "-C", self.workspace, "fetch", "--quiet", ROOT, self.sha], check=True, env=env)
        subprocess.run([*git, "-C", self.workspace, "checkout", "--quiet", "--detach", self.sha], check=True, env=env)
        say(f"checked out {self.sha[:12]} (a git clone: uncommitted changes are not in it)")
        return True

    def toolchain(self, version, inputs, env):
        tc = inputs.get("toolchain") or RUST_TOOLCHAIN_ACTION.get(version)
        if not tc:
            raise Fail(f"dtolnay/rust-toolchain@{version}: unknown commit and no toolchain input")
        listed = subprocess.run(["rustup", "toolchain", "list"], env=env, capture_output=True, text=True)
        names = [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]
        if not any(n == tc or n.startswith(tc + "-") for n in names):
            say(f"toolchain {tc} is not installed (installed: {', '.join(names)}); nothing is downloaded here")
            return False
        version_line = subprocess.run(["rustup", "run", tc, "rustc", "--version"], env=env,
                                      capture_output=True, text=True, check=True).stdout.strip()
        installed = subprocess.run(["rustup", "component", "list", "--installed", "--toolchain", tc],
                                   env=env, capture_output=True, text=True, check=True).stdout.split()
        for c in filter(None, (c.strip() for c in inputs.get("components", "").split(","))):
            if not any(i == c or i.startswith(c + "-") for i in installed):
                say(f"component {c} of {tc} is not installed; nothing is downloaded here")
                return False
        # The action runs `rustup default`; an environment variable selects
        # the same toolchain without changing this machine's default.
        self.global_env["RUSTUP_TOOLCHAIN"] = tc
        self.notes.append(f"toolchain {tc}: {version_line}")
        say(f"toolchain {tc}: {version_line} (RUSTUP_TOOLCHAIN={tc} for later steps)")
        return True

    def setup_python(self, inputs, env):
        py = os.environ.get("WORKFLOW_LOCAL_PYTHON") or shutil.which("python3", path=BASE_PATH)
        if not py:
            raise Fail("setup-python: no python3 on the plain PATH and no WORKFLOW_LOCAL_PYTHON")
        probe = subprocess.run([py, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                               env=env, capture_output=True, text=True, check=True).stdout.strip()
        if subprocess.run([py, "-c", "import numpy"], env=env, capture_output=True).returncode == 0:
            raise Fail(f"setup-python: {py} imports numpy; a fresh setup-python interpreter has none")
        if subprocess.run([py, "-c", "import venv, ensurepip"], env=env, capture_output=True).returncode != 0:
            raise Fail(f"setup-python: {py} cannot make venvs (venv, ensurepip)")
        for name in ("python3", "python"):
            os.symlink(py, os.path.join(self.tools, name))
        self.path_prefix.insert(0, self.tools)
        self.global_env["pythonLocation"] = os.path.dirname(os.path.dirname(py))
        wanted = inputs.get("python-version", "")
        note = f"setup-python: asked for {wanted or '(any)'}, gave {py} {probe} (no numpy)"
        if wanted and not probe.startswith(wanted + ".") and probe != wanted:
            note += f"; NOT the version asked for"
        self.notes.append(note)
        say(note)
        return True

    def upload(self, inputs):
        patterns = [p.strip() for p in inputs.get("path", "").splitlines() if p.strip()]
        found = [f for p in patterns for f in glob.glob(os.path.join(self.workspace, p), recursive=True)]
        policy = inputs.get("if-no-files-found", "warn")
        if not found:
            message = f"upload-artifact {inputs.get('name')}: no files match {patterns}"
            say(message)
            if policy == "error":
                return False
            if policy == "warn":
                self.notes.append("warning: " + message)
            return True
        dest = os.path.join(self.dir, "artifacts", inputs.get("name", "artifact"))
        os.makedirs(dest, exist_ok=True)
        for f in found:
            shutil.copy2(f, dest) if os.path.isfile(f) else shutil.copytree(f, os.path.join(dest, os.path.basename(f)))
            say(f"artifact {inputs.get('name')}: {os.path.relpath(f, self.workspace)} ({os.path.getsize(f)} bytes)")
        return True


def order_jobs(jobs, wanted):
    done, out = set(), []

    def visit(job_id, trail=()):
        if job_id in done:
            return
        if job_id in trail:
            raise Fail(f"needs: cycle through {job_id}")
        needs = jobs[job_id].get("needs") or []
        for need in [needs] if isinstance(needs, str) else needs:
            visit(need, trail + (job_id,))
        done.add(job_id)
        out.append(job_id)

    for job_id in wanted:
        visit(job_id)
    return out


def main():
    p = argparse.ArgumentParser(prog="ci/workflow-local.sh")
    p.add_argument("--job", action="append", default=[])
    p.add_argument("--rev", default="HEAD")
    p.add_argument("--workflow", default=os.path.join(ROOT, ".github/workflows/ci.yml"))
    p.add_argument("--pass-env", action="append", default=[])
    p.add_argument("--matrix", action="append", default=[], metavar="KEY=VALUE",
                   help="run only the matrix entries with this value (entries without the key run)")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    home = os.path.expanduser("~")
    args.rustup_home = os.environ.get("RUSTUP_HOME") or os.path.join(home, ".rustup")
    args.cargo_home = os.environ.get("CARGO_HOME") or os.path.join(home, ".cargo")

    with open(args.workflow, encoding="utf-8") as f:
        workflow = yaml.safe_load(f)
    jobs = workflow.get("jobs") or {}
    for j in args.job:
        if j not in jobs:
            raise Fail(f"no job {j!r} in {args.workflow} (jobs: {', '.join(jobs)})")

    sha = subprocess.run(["git", "-C", ROOT, "rev-parse", "--verify", args.rev + "^{commit}"],
                         check=True, capture_output=True, text=True).stdout.strip()
    branch = subprocess.run(["git", "-C", ROOT, "symbolic-ref", "--quiet", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "detached"
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           check=True, capture_output=True, text=True).stdout.strip()
    say(f"workflow-local: {os.path.relpath(args.workflow, ROOT)} at {sha[:12]} ({args.rev})")
    if dirty and args.rev == "HEAD":
        say("workflow-local: warning: the work tree has uncommitted changes; they are NOT in the checkout:")
        say("  " + dirty.replace("\n", "\n  "))

    wanted = []
    for w in args.matrix:
        key, eq, value = w.partition("=")
        if not eq:
            raise Fail(f"--matrix {w!r}: expected KEY=VALUE")
        wanted.append((key, value))
    plan, not_here = [], []
    for job_id in order_jobs(jobs, args.job or list(jobs)):
        job = jobs[job_id]
        for matrix in matrix_entries(job, job_id):
            j = Job(args, workflow, job_id, job, matrix, sha, f"refs/heads/{branch}")
            runs_on = substitute(job.get("runs-on"), j.contexts)
            if not matrix_wanted(matrix, wanted):
                not_here.append(f"{j.name}: not run here (--matrix {' '.join(args.matrix)})")
            elif runs_on == RUNNER:
                plan.append(j)
            else:
                not_here.append(f"{j.name}: runs on {runs_on}, not run here")

    t0 = time.monotonic()
    ok = True
    finished = {}
    for j in plan:
        needs = j.job.get("needs") or []
        needs = [needs] if isinstance(needs, str) else needs
        if not all(finished.get(n, False) for n in needs):
            j.results.append((0, "skipped", 0.0, f"needs {needs}"))
            j.failed = True
            finished[j.job_id] = False
            ok = False
            continue
        try:
            good = j.run()
        except Fail as e:
            say(f"workflow-local: job {j.name}: {e}")
            j.failed, good = True, False
        finished[j.job_id] = finished.get(j.job_id, True) and good
        ok = ok and good

    say("\n======== workflow-local summary")
    for j in plan:
        say(f"job {j.name}: {'FAILED' if j.failed else 'success'}")
        for n, result, secs, label in j.results:
            say(f"  {n:>4}  {result:<8} {secs:7.1f}s  {label}")
        for note in j.notes:
            say(f"      {note}")
    for line in not_here:
        say(f"job {line}")
    say(f"total {time.monotonic() - t0:.0f}s: {'all jobs succeeded' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Fail as e:
        say(f"workflow-local: {e}")
        sys.exit(2)
