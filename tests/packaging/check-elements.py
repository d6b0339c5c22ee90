#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks that the Debian packages the scripts install hold every GStreamer
element the project's pipelines use (meson test "elements-packaged", suite
"packaging").

    check-elements.py --plugin build/gst/serial/libgstserial.so [-v]
        [--source-root DIR] [--lib-sh scripts/lib.sh]

It collects the element names used by scripts/, examples/ and tests/, finds
each one's plugin file with GStreamer's registry and the Debian package that
owns the file (dpkg -S), and fails, naming the element, the package and where
the element is used, when:
  - the package is not in the lists (scripts/lib.sh's *_PACKAGES arrays and
    the names given to ensure_packages) of the script that installs for the
    file: a script in scripts/ that calls ensure_packages installs for
    itself, scripts/test.sh for everything else;
  - the element is not in the registry at all (its package is not
    installed); the package is then named from the Gstreamer-Elements field
    of Debian's package index (apt-cache dumpavail), which lists the elements
    of every gst-plugins package, installed or not;
  - the plugin file belongs to no package.
Elements of the plugin given with --plugin are built here and need no
package.

A word is an element only where the syntax says so:
  - shell: every bare word of a pipeline (a gst-launch-1.0 command after its
    options, or the value of a variable substituted into one: the defaults
    of ${SOURCE:-...}, arrays such as pipeline=(...)), the arguments of
    gst-inspect-1.0, gst-play-1.0's --videosink/--audiosink;
  - C and Python: the first argument of gst_element_factory_make/find,
    gst_harness_new, Gst.ElementFactory.make/find; every bare word of a
    string literal that parses as a pipeline with at least one "!" link (C's
    adjacent literals joined, macros between them and printf/format
    placeholders standing for a value); in a string without a link but
    with properties, such as a table's "x264enc tune=zerolatency", a word
    that GStreamer or Debian's package index knows as an element. A lone
    word is not enough ("speed" names a benchmark), and comments and Python
    docstrings are prose: they are not read.
Not seen: elements chosen at run time (gst_element_factory_make (kind),
decodebin's decoders, autovideosink's sink), unless named as above too.
"""

import argparse
import ast
import bisect
import os
import re
import shlex
import subprocess
import sys

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SCANNED_DIRS = ("scripts", "examples", "tests")
# The script that installs for every file not in scripts/: the CI entry.
DEFAULT_INSTALLER = "scripts/test.sh"

NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
PROP = re.compile(r"^[A-Za-z_][\w-]*(::[\w-]+)?=")
REF = re.compile(r"^[A-Za-z_@][\w@-]*\.[\w@%-]*$")
CAPS = re.compile(r"^[a-z@][\w@.+-]*/[\w@.+*-]+(\([^)]*\))?(,.*)?$")
# printf and str.format placeholders; "@" stands for a value in a pipeline.
PLACEHOLDER = re.compile(r"%(\([^)]*\))?[-+ #0]*(\d+|\*)?(\.\d+)?"
                         r"[hlLqjzt]*[diouxXeEfFgGcrsaA]|\{[^{}]*\}")


class Use:
    """An element name at a place in a file; strong when the syntax alone
    says it is an element, weak when only a known element name counts."""

    def __init__(self, name, path, line, strong):
        self.name, self.path, self.line, self.strong = name, path, line, strong

    def where(self):
        return "%s:%d" % (self.path, self.line)


# ---------------------------------------------------------------- strings

def pipeline_words(text):
    """The element names of a pipeline description and whether it has a
    link; None when the text is not a pipeline description."""
    text = PLACEHOLDER.sub("@", text.replace("%%", ""))
    try:
        tokens = shlex.split(text)
    except ValueError:
        return None
    names, linked, props, previous = [], False, False, None
    for token in tokens:
        if token == "!":
            linked = True
            kind = "link"
        elif NAME.match(token):
            # Two bare words in a row are prose, not a pipeline.
            if previous == "name":
                return None
            names.append(token)
            kind = "name"
        elif PROP.match(token):
            props = True
            kind = "prop"
        elif REF.match(token) or CAPS.match(token) or token in ("(", ")"):
            kind = "other"
        elif "@" in token and not re.search(r"[\s'\"]", token):
            kind = "other"
        else:
            return None
        previous = kind
    # A lone word is not enough: "speed" may be a benchmark's name.
    if not names or not (linked or props):
        return None
    return names, linked


def string_uses(text, path, line):
    result = pipeline_words(text)
    if result is None:
        return []
    names, linked = result
    return [Use(n, path, line, linked) for n in names]


# ---------------------------------------------------------------------- C

C_FACTORY_CALLS = {"gst_element_factory_make", "gst_element_factory_find",
                   "gst_harness_new", "gst_check_setup_element"}
C_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}


def c_tokens(text):
    """Strings, identifiers and punctuation of C source, without comments and
    preprocessor #include lines, each with its line."""
    lines = LineIndex(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            i = text.find("*/", i + 2)
            i = n if i < 0 else i + 2
        elif c == "#" and text.startswith("include", i + 1):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif c == '"':
            start, value, i = i, [], i + 1
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    value.append(C_ESCAPES.get(text[i + 1], text[i + 1]))
                    i += 2
                else:
                    value.append(text[i])
                    i += 1
            i += 1
            yield "str", "".join(value), lines.line(start)
        elif c == "'":
            i += 2 if text.startswith("\\", i + 1) else 1
            i = text.find("'", i + 1) + 1 or n
        elif c.isalpha() or c == "_":
            start = i
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            yield "ident", text[start:i], lines.line(start)
        elif c.isspace():
            i += 1
        else:
            yield "punct", c, lines.line(i)
            i += 1


def c_uses(text, path):
    tokens = list(c_tokens(text))
    uses = []
    i = 0
    while i < len(tokens):
        kind, value, line = tokens[i]
        if (kind == "ident" and value in C_FACTORY_CALLS
                and i + 2 < len(tokens) and tokens[i + 1][1] == "("
                and tokens[i + 2][0] == "str"):
            uses.append(Use(tokens[i + 2][1], path, line, True))
        if kind != "str":
            i += 1
            continue
        # Adjacent literals are one string; a macro between two of them
        # (PORT_TX, G_STRINGIFY (N)) expands to a literal: a value.
        parts, j = [value], i + 1
        while j < len(tokens):
            if tokens[j][0] == "str":
                parts.append(tokens[j][1])
                j += 1
                continue
            k = j
            if tokens[k][0] == "ident" and re.match(r"^[A-Z_][A-Z0-9_]*$",
                                                   tokens[k][1]):
                k += 1
                if k < len(tokens) and tokens[k][1] == "(":
                    depth = 0
                    while k < len(tokens):
                        depth += {"(": 1, ")": -1}.get(tokens[k][1], 0)
                        k += 1
                        if depth == 0:
                            break
                if k < len(tokens) and tokens[k][0] == "str":
                    parts.append("@")
                    j = k
                    continue
            break
        uses += string_uses("".join(parts), path, line)
        i = j
    return uses


# ----------------------------------------------------------------- Python

def py_uses(text, path):
    tree = ast.parse(text, path)
    skip = set()
    for node in ast.walk(tree):
        # Docstrings are prose.
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef,
                             ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)):
                skip.add(id(body[0].value))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
    uses = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("make", "find")
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "ElementFactory"
                and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            uses.append(Use(node.args[0].value, path, node.lineno, True))
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text_value = node.value
        elif isinstance(node, ast.JoinedStr):
            text_value = "".join(
                v.value if isinstance(v, ast.Constant) else "@"
                for v in node.values)
        else:
            continue
        uses += string_uses(text_value, path, node.lineno)
    return uses


# ------------------------------------------------------------------ shell

class LineIndex:
    def __init__(self, text):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset):
        return bisect.bisect_right(self.starts, offset)


def _skip_quote(text, i):
    """text[i] is "'": the offset after the closing quote."""
    j = text.find("'", i + 1)
    return len(text) if j < 0 else j + 1


def _skip_dquote(text, i):
    """text[i] is '"': the offset after the closing quote."""
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
        elif c == '"':
            return j + 1
        elif text.startswith("$(", j):
            j = _skip_group(text, j + 1, "(", ")")
        elif text.startswith("${", j):
            j = _skip_group(text, j + 1, "{", "}")
        elif c == "`":
            k = text.find("`", j + 1)
            j = len(text) if k < 0 else k + 1
        else:
            j += 1
    return j


def _skip_group(text, i, open_, close):
    """text[i] is open_: the offset after its matching close."""
    depth, j = 0, i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "'" and open_ == "(":
            j = _skip_quote(text, j)
            continue
        if c == '"':
            j = _skip_dquote(text, j)
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return j


SHELL_OPS = ("<<<", "<<-", "&&", "||", ";;", "<<", ">>", ">&", "<&", "&>",
             ">|", "|&", "|", "&", ";", "<", ">", "(", ")")


def shell_tokens(text):
    """Yields (kind, value, line): "word" (as written, quotes included),
    "op" or "nl"; comments, line continuations and here-documents are
    dropped."""
    lines = LineIndex(text)
    i, n = 0, len(text)
    heredocs = []
    while i < n:
        c = text[i]
        if text.startswith("\\\n", i):
            i += 2
        elif c in " \t":
            i += 1
        elif c == "\n":
            yield "nl", "\n", lines.line(i)
            i += 1
            for delimiter, tabs in heredocs:
                while i < n:
                    end = text.find("\n", i)
                    end = n if end < 0 else end
                    body = text[i:end]
                    i = end + 1
                    if (body.lstrip("\t") if tabs else body) == delimiter:
                        break
            heredocs = []
        elif c == "#":
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif c in "|&;<>()" and not (c in "<>" and text.startswith("(", i + 1)):
            op = next(o for o in SHELL_OPS if text.startswith(o, i))
            yield "op", op, lines.line(i)
            i += len(op)
            if op in ("<<", "<<-"):
                while i < n and text[i] in " \t":
                    i += 1
                start = i
                while i < n and text[i] not in " \t\n;&|<>()":
                    i += 1
                delimiter = re.sub(r"['\"\\]", "", text[start:i])
                heredocs.append((delimiter, op == "<<-"))
        else:
            start = i
            if c in "<>":  # <(...) or >(...)
                i = _skip_group(text, i + 1, "(", ")")
            while i < n:
                c = text[i]
                if c in " \t\n|&;<>()":
                    break
                if c == "\\":
                    i += 2
                elif c == "'":
                    i = _skip_quote(text, i)
                elif c == '"':
                    i = _skip_dquote(text, i)
                elif c == "`":
                    k = text.find("`", i + 1)
                    i = n if k < 0 else k + 1
                elif text.startswith("$(", i):
                    i = _skip_group(text, i + 1, "(", ")")
                elif text.startswith("${", i):
                    i = _skip_group(text, i + 1, "{", "}")
                else:
                    i += 1
            yield "word", text[start:i], lines.line(start)


def unquote(word):
    """The shell word without its quotes; expansions stay as written."""
    out, i = [], 0
    while i < len(word):
        c = word[i]
        if c == "'":
            j = _skip_quote(word, i)
            out.append(word[i + 1:j - 1])
            i = j
        elif c == '"':
            j = _skip_dquote(word, i)
            inner = word[i + 1:j - 1]
            out.append(re.sub(r'\\([$`"\\])', r"\1", inner))
            i = j
        elif c == "\\":
            out.append(word[i + 1:i + 2])
            i += 2
        elif word.startswith("${", i) or word.startswith("$(", i):
            j = _skip_group(word, i + 1, word[i + 1],
                            "}" if word[i + 1] == "{" else ")")
            out.append(word[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)\+?=(.*)$", re.S)
PURE_VAR = re.compile(r'^"?\$(\{)?([A-Za-z_]\w*)(\[[@*]\])?(?(1)\})"?$')
DEFAULT = re.compile(r'^"?\$\{([A-Za-z_]\w*):?[-=](.*)\}"?$', re.S)


class ShellFile:
    """What one shell script says about pipelines: element uses, variables
    substituted into pipelines, assignments, and the packages it installs."""

    def __init__(self, text, path):
        self.path = path
        self.uses = []
        self.var_uses = set()       # variables substituted into pipelines
        self.assignments = []       # (name, [words], line, split)
        self.installs = []          # ensure_packages arguments, as written
        self._parse(text)

    def _parse(self, text):
        command = []
        tokens = list(shell_tokens(text))
        i = 0
        while i < len(tokens):
            kind, value, line = tokens[i]
            if kind == "word":
                m = ASSIGNMENT.match(value)
                if (m and m.group(2) == "" and i + 1 < len(tokens)
                        and tokens[i + 1][1] == "("):
                    # An array: name=( words... )
                    words, i = [], i + 2
                    while i < len(tokens) and tokens[i][1] != ")":
                        if tokens[i][0] == "word":
                            words.append((tokens[i][1], tokens[i][2]))
                        i += 1
                    self.assignments.append((m.group(1), words, line, False))
                else:
                    command.append((value, line))
            else:
                self._command(command)
                command = []
            i += 1
        self._command(command)

    def _command(self, words):
        for value, line in words:
            m = ASSIGNMENT.match(value)
            if m:
                d = DEFAULT.match(m.group(2))
                raw = d.group(2) if d and d.group(1) == m.group(1) else \
                    m.group(2)
                self.assignments.append(
                    (m.group(1), [(unquote(raw), line)], line, True))
        names = [os.path.basename(unquote(v)) for v, _ in words]
        for k, name in enumerate(names):
            rest = words[k + 1:]
            if name == "gst-launch-1.0":
                while rest and unquote(rest[0][0]).startswith("-"):
                    rest = rest[1:]
                self.pipeline(rest, split=False)
            elif name == "gst-inspect-1.0":
                self.pipeline([w for w in rest
                               if not unquote(w[0]).startswith("-")],
                              split=False)
            elif name == "gst-play-1.0":
                for value, line in rest:
                    m = re.match(r"^--(video|audio)sink=(.*)$",
                                 unquote(value), re.S)
                    if m:
                        self.pipeline([(m.group(2), line)], split=True)
            elif name == "ensure_packages" and k == 0:
                self.installs += [v for v, _ in rest]

    def pipeline(self, words, split):
        """Records the elements and variables of a pipeline's words."""
        uses, variables = pipeline_shell_words(words, split, self.path)
        self.uses += uses
        self.var_uses |= variables


def pipeline_shell_words(words, split, path):
    """The element uses and the variables substituted in a pipeline's shell
    words; with split, each word is a string that the shell splits at
    spaces (the value of $SOURCE)."""
    uses, variables = [], set()
    for value, line in words:
        for part in (value.split() if split else [value]):
            m = PURE_VAR.match(part)
            if m:
                variables.add(m.group(2))
                continue
            word = part if split else unquote(part)
            if NAME.match(word):
                uses.append(Use(word, path, line, True))
    return uses, variables


def shell_uses(files):
    """Element uses of all shell files, with the values of the variables
    substituted into pipelines, whichever file assigns them (the tests set
    SOURCE and VIDEOSINK for the example scripts)."""
    uses = [u for f in files for u in f.uses]
    done, todo = set(), set().union(*(f.var_uses for f in files))
    while todo:
        var = todo.pop()
        done.add(var)
        for f in files:
            for name, words, _, split in f.assignments:
                if name == var:
                    more, variables = pipeline_shell_words(words, split,
                                                           f.path)
                    uses += more
                    todo |= variables - done
    return uses


# ----------------------------------------------------------------- files

def language(path):
    if path.endswith((".c", ".h", ".ino", ".cpp")):
        return "c"
    if path.endswith(".py"):
        return "python"
    if path.endswith(".sh"):
        return "shell"
    try:
        with open(path, "rb") as f:
            first = f.readline(200)
    except OSError:
        return None
    if first.startswith(b"#!"):
        if b"python" in first:
            return "python"
        if re.search(rb"\b(ba)?sh\b", first):
            return "shell"
    return None


def scan(root):
    uses, shell_files = [], {}
    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for filename in sorted(filenames):
                full = os.path.join(dirpath, filename)
                path = os.path.relpath(full, root)
                lang = language(full)
                if lang is None:
                    continue
                with open(full, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                if lang == "c":
                    uses += c_uses(text, path)
                elif lang == "python":
                    uses += py_uses(text, path)
                else:
                    shell_files[path] = ShellFile(text, path)
    uses += shell_uses(list(shell_files.values()))
    return uses, shell_files


# --------------------------------------------------------------- packages

def package_lists(lib_sh):
    """scripts/lib.sh's *_PACKAGES arrays: {name: [packages]}."""
    out = subprocess.run(
        ["bash", "-c", '. "$1" && for v in $(compgen -A arrayvar); do '
         'case $v in *_PACKAGES) eval "echo $v \\${$v[*]}" ;; esac; done',
         "bash", lib_sh], check=True, capture_output=True, text=True).stdout
    lists = {}
    for line in out.splitlines():
        name, *packages = line.split()
        lists[name] = packages
    return lists


def installed_by(shell_file, lists):
    """What a script's ensure_packages calls install: ([list names],
    set of packages)."""
    names, packages = [], set()
    for word in shell_file.installs:
        m = re.match(r'^"?\$\{(\w+)\[@\]\}"?$', word)
        if m and m.group(1) in lists:
            names.append(m.group(1))
            packages |= set(lists[m.group(1)])
        elif re.match(r"^[a-z0-9][a-z0-9.+-]+$", word):
            names.append(word)
            packages.add(word)
    return names, packages


def dpkg_owners(paths):
    """{path: package} for the plugin files, as dpkg -S names them; the
    registry may give /lib/... where Debian's packages hold /usr/lib/...
    (merged /usr)."""
    candidates = {}
    for path in paths:
        alternatives = [path, os.path.realpath(path)]
        if path.startswith("/lib/"):
            alternatives.append("/usr" + path)
        elif path.startswith("/usr/lib/"):
            alternatives.append(path[4:])
        candidates[path] = list(dict.fromkeys(alternatives))
    queries = sorted({a for alts in candidates.values() for a in alts})
    owners = {}
    if queries:
        out = subprocess.run(["dpkg", "-S"] + queries, capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            if line.startswith("diversion ") or ": " not in line:
                continue
            packages, path = line.rsplit(": ", 1)
            owners[path] = packages.split(", ")[0].split(":")[0]
    return {p: next((owners[a] for a in alts if a in owners), None)
            for p, alts in candidates.items()}


def debian_elements():
    """{element: [packages]} from the Gstreamer-Elements field of Debian's
    package index: every gst-plugins package, installed or not."""
    try:
        out = subprocess.run(["apt-cache", "dumpavail"], capture_output=True,
                             text=True).stdout
    except OSError:
        return {}
    elements, package = {}, None
    for line in out.splitlines():
        if line.startswith("Package: "):
            package = line.split(None, 1)[1].strip()
        elif line.startswith("Gstreamer-Elements: "):
            for name in line.split(":", 1)[1].split(","):
                pkgs = elements.setdefault(name.strip(), [])
                if package not in pkgs:
                    pkgs.append(package)
    return elements


# ------------------------------------------------------------------ main

def load_gst():
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    return Gst


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source-root", default=SOURCE_ROOT)
    parser.add_argument("--plugin", required=True,
                        help="the plugin built here (libgstserial.so)")
    parser.add_argument("--lib-sh",
                        help="the package lists (default scripts/lib.sh)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list every element and where it is used")
    args = parser.parse_args()
    root = os.path.abspath(args.source_root)
    lib_sh = args.lib_sh or os.path.join(root, "scripts", "lib.sh")

    Gst = load_gst()
    ours_plugin = Gst.Plugin.load_file(os.path.abspath(args.plugin))
    registry = Gst.Registry.get()
    ours = {f.get_name() for f in registry.get_feature_list_by_plugin(
        ours_plugin.get_name())}
    debian = debian_elements()

    uses, shell_files = scan(root)
    # A weak use counts only when the word is an element that GStreamer or
    # Debian knows.
    uses = [u for u in uses if u.strong or u.name in ours
            or u.name in debian or Gst.ElementFactory.find(u.name)]
    by_name = {}
    for u in uses:
        by_name.setdefault(u.name, []).append(u)

    lists = package_lists(lib_sh)
    installers = {}
    for path, f in shell_files.items():
        if path.startswith("scripts/") and f.installs:
            installers[path] = installed_by(f, lists)

    def installer_of(path):
        return path if path in installers else DEFAULT_INSTALLER

    plugin_files = {}
    for name in by_name:
        factory = Gst.ElementFactory.find(name)
        if factory is not None and name not in ours:
            plugin = factory.get_plugin()
            plugin_files[name] = plugin.get_filename() if plugin else None
    owners = dpkg_owners({p for p in plugin_files.values() if p})

    failures, rows = [], []
    for name in sorted(by_name):
        where = sorted({u.where() for u in by_name[name]},
                       key=lambda w: (w.split(":")[0], int(w.split(":")[1])))
        files = sorted({u.path for u in by_name[name]})
        if name in ours:
            rows.append((name, "built here", where))
            continue
        if name not in plugin_files:
            known = debian.get(name, [])
            if not known:
                what = ("no Debian package lists it in Gstreamer-Elements "
                        "(a typo, an element of this project not built, or "
                        "apt-get update not run)")
            else:
                lacking = sorted({installer_of(path) for path in files
                                  if not set(known) & installers[
                                      installer_of(path)][1]})
                what = "Debian's %s provides it (Gstreamer-Elements), " % (
                    " or ".join(known))
                if lacking:
                    what += ("which %s does not install: add it to a "
                             "package list in scripts/lib.sh" %
                             " and ".join(lacking))
                else:
                    what += ("which the scripts install: run them (or "
                             "apt-get install %s)" % " ".join(known))
            failures.append("%s: no such element in GStreamer's registry "
                            "(not installed); %s.\n    used at %s" %
                            (name, what, ", ".join(where)))
            rows.append((name, "NOT INSTALLED", where))
            continue
        filename = plugin_files[name]
        package = owners.get(filename)
        if package is None:
            failures.append("%s: its plugin %s belongs to no Debian package "
                            "(dpkg -S), so no script installs it.\n"
                            "    used at %s" % (name, filename,
                                                ", ".join(where)))
            rows.append((name, "NO PACKAGE", where))
            continue
        rows.append((name, package, where))
        missing = {}
        for path in files:
            installer = installer_of(path)
            if package not in installers[installer][1]:
                missing.setdefault(installer, []).extend(
                    w for w in where if w.startswith(path + ":"))
        for installer, places in sorted(missing.items()):
            failures.append(
                "%s: its plugin %s is in Debian package %s, which %s does "
                "not install (%s): add %s to a package list in "
                "scripts/lib.sh.\n    used at %s" %
                (name, os.path.basename(filename), package, installer,
                 ", ".join(installers[installer][0]), package,
                 ", ".join(places)))

    if args.verbose or failures:
        for name, package, where in rows:
            print("  %-22s %-28s %s" % (name, package, ", ".join(where[:3])
                                        + (" ..." if len(where) > 3 else "")))
    packages = sorted({p for _, p, _ in rows if p[0].islower()}
                      - {"built here"})
    print("%d elements in %d files, from %s" % (
        len(rows), len({u.path for u in uses}), ", ".join(packages)))
    for failure in failures:
        print("FAIL " + failure)
    if failures:
        print("%d problems" % len(failures))
        return 1
    print("every element's package is installed by the scripts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
