#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generates the element reference in docs/reference/ from the built plugin.

    gen-element-docs.py --plugin build/gst/serial/libgstserial.so \\
        --output docs/reference
    gen-element-docs.py --plugin ... --check docs/reference

What GStreamer's registry knows (plugin details, element and device provider
metadata, pad templates, interfaces, URI protocols, properties with their
types, flags, defaults, ranges and enum values, signals) comes from the
plugin file itself, loaded on its own: no other plugin and no installed copy
of this one is looked at. What the registry does not know (the prose, the
example launch lines, the messages) comes from each feature's gtk-doc
`SECTION:` comment in the sources under gst/, converted to Markdown.

The output depends on nothing but the plugin and the sources: no paths,
addresses, dates or plugin version, everything sorted. --check generates in
memory, compares with the folder and fails with a diff when they differ
(the meson test in suite "docs"). scripts/gen-element-docs.sh rebuilds and
regenerates in place.

Run it with Debian's /usr/bin/python3 (python3-gi, gir1.2-gstreamer-1.0).
"""

import argparse
import difflib
import glob
import os
import re
import sys
import tempfile

GENERATOR = "scripts/gen-element-docs.py"
WRAPPER = "scripts/gen-element-docs.sh"
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_gst(plugin_path, registry):
    """Imports GStreamer with a private registry that holds only the given
    plugin (and GStreamer's own static elements)."""
    for var in ("GST_PLUGIN_PATH", "GST_PLUGIN_PATH_1_0",
                "GST_PLUGIN_SYSTEM_PATH"):
        os.environ.pop(var, None)
    os.environ["GST_PLUGIN_SYSTEM_PATH_1_0"] = ""
    os.environ["GST_REGISTRY_1_0"] = registry
    os.environ["GST_REGISTRY_FORK"] = "no"
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import GObject, Gst
    Gst.init(None)
    plugin = Gst.Plugin.load_file(plugin_path)
    return Gst, GObject, plugin


# --- Markdown helpers -----------------------------------------------------


def cell(text):
    """Text for a table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def code(text):
    return "`%s`" % text


def table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        out.append("| " + " | ".join(cell(c) for c in row) + " |")
    return out


def anchor(name):
    """The anchor GitHub gives a heading that is just `name`."""
    return re.sub(r"[^a-z0-9_-]", "", name.lower().replace(" ", "-"))


# --- gtk-doc SECTION comments -------------------------------------------


def find_sections(root):
    """{section id: (relative path, comment lines)} for every gtk-doc
    SECTION comment in the C sources under gst/."""
    sections = {}
    for path in sorted(glob.glob(os.path.join(root, "gst", "**", "*.c"),
                                 recursive=True)):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"/\*\*\s*\n\s*\* SECTION:(\S+)\n(.*?)\*/",
                             text, re.S):
            lines = []
            for line in m.group(2).split("\n"):
                line = line.strip()
                if line.startswith("* "):
                    line = line[2:]
                elif line.startswith("*"):
                    line = line[1:]
                lines.append(line.rstrip())
            sections[m.group(1)] = (os.path.relpath(path, root), lines)
    return sections


class Linker:
    """Turns gtk-doc references into Markdown links between the pages."""

    def __init__(self, pages):
        # {GType name: (page file, set of own property names)}
        self.pages = pages

    def link(self, type_name, prop, here):
        page = self.pages.get(type_name)
        if prop is None:
            if page:
                target = "" if page[0] == here else page[0]
                return "[%s](%s)" % (code(type_name), target or "#")
            return code(type_name)
        if page and prop in page[1]:
            target = "" if page[0] == here else page[0]
            return "[%s](%s#%s)" % (code(prop), target, anchor(prop))
        return code(prop)

    def name_link(self, name, here):
        """A feature named in see_also: `serialsrc` -> its page."""
        for page, _ in self.pages.values():
            if page == name + ".md":
                return "[%s](%s)" % (name, "" if page == here else page)
        return name


def convert_markup(line, linker, here):
    """gtk-doc inline markup to Markdown, outside code spans."""
    parts = re.split(r"(`[^`]*`)", line)
    for i in range(0, len(parts), 2):
        s = parts[i]
        s = re.sub(r"#([A-Z][A-Za-z0-9_]+):([a-z0-9-]+)",
                   lambda m: linker.link(m.group(1), m.group(2), here), s)
        s = re.sub(r"#([A-Z][A-Za-z0-9_]+)",
                   lambda m: linker.link(m.group(1), None, here), s)
        s = re.sub(r"%([A-Z][A-Z0-9_]+)", r"`\1`", s)
        s = re.sub(r"(?<![\w.])@([a-z_][a-z0-9_]*)", r"`\1`", s)
        # The other documents, seen from docs/reference/.
        s = re.sub(r"(?<![\w/])docs/([\w-]+\.md)\b", r"[docs/\1](../\1)", s)
        parts[i] = s
    return "".join(parts)


def section_markdown(lines, linker, here):
    """The body of a SECTION comment as Markdown, headings one level
    deeper.  Returns (see_also, [(heading or None, lines)]): the text before
    the first heading, then each `## ` part."""
    see_also = None
    parts = [(None, [])]
    in_code = False
    for line in lines:
        if not in_code:
            m = re.match(r"@(\w+):\s*(.*)", line)
            if m:
                if m.group(1) == "see_also":
                    see_also = [s.strip() for s in m.group(2).split(",")]
                continue
        body = parts[-1][1]
        if line.startswith("|["):
            in_code = True
            if body and body[-1]:
                body.append("")
            body.append("```")
            continue
        if in_code and line.startswith("]|"):
            in_code = False
            body += ["```", ""]
            rest = line[2:].strip()
            if rest:
                body.append(convert_markup(rest, linker, here))
            continue
        if in_code:
            parts[-1][1].append(line)
            continue
        m = re.match(r"(#+)\s+(.*)", line)
        if m and len(m.group(1)) >= 2:
            parts.append((m.group(2).strip(), []))
            continue
        parts[-1][1].append(convert_markup(line, linker, here))
    cleaned = []
    for heading, body in parts:
        while body and not body[0]:
            body.pop(0)
        while body and not body[-1]:
            body.pop()
        cleaned.append((heading, body))
    return see_also, cleaned


# --- GObject introspection -----------------------------------------------


class Introspector:
    def __init__(self, Gst, GObject):
        self.Gst = Gst
        self.GObject = GObject
        P = GObject.ParamFlags
        self.state_flags = [
            (Gst.PARAM_MUTABLE_PLAYING,
             "changeable in NULL, READY, PAUSED or PLAYING state"),
            (Gst.PARAM_MUTABLE_PAUSED,
             "changeable only in NULL, READY or PAUSED state"),
            (Gst.PARAM_MUTABLE_READY, "changeable only in NULL or READY state"),
        ]
        self.flag_names = [
            (int(P.READABLE), "readable"), (int(P.WRITABLE), "writable"),
            (int(P.CONSTRUCT), "construct"),
            (int(P.CONSTRUCT_ONLY), "construct-only"),
            (int(P.DEPRECATED), "deprecated"),
            (Gst.PARAM_CONTROLLABLE, "controllable"),
            (Gst.PARAM_CONDITIONALLY_AVAILABLE, "conditionally available"),
        ]

    def hierarchy(self, gtype):
        chain = []
        while gtype and gtype.name != "invalid":
            chain.append(gtype.name)
            gtype = gtype.parent
        return list(reversed(chain))

    def interfaces(self, gtype):
        return sorted(t.name for t in self.GObject.type_interfaces(gtype))

    def flags(self, pspec):
        f = int(pspec.flags)
        names = [n for bit, n in self.flag_names if f & bit]
        if f & int(self.GObject.ParamFlags.WRITABLE):
            for bit, n in self.state_flags:
                if f & bit:
                    names.append(n)
                    break
        return ", ".join(names)

    def is_enum(self, pspec):
        return hasattr(pspec, "enum_class")

    def is_flags(self, pspec):
        return hasattr(pspec, "flags_class")

    def type_name(self, pspec):
        name = pspec.value_type.name
        if self.is_enum(pspec):
            return "enum " + code(name)
        if self.is_flags(pspec):
            return "flags " + code(name)
        if self.GObject.type_is_a(pspec.value_type, self.GObject.TYPE_BOXED):
            return "boxed " + code(name)
        if self.GObject.type_is_a(pspec.value_type, self.GObject.TYPE_OBJECT):
            return "object " + code(name)
        return code(name)

    def enum_values(self, pspec):
        """[(nick, int, description)] of an enum or flags property."""
        klass = pspec.enum_class if self.is_enum(pspec) else pspec.flags_class
        values = klass.__enum_values__ if self.is_enum(pspec) \
            else klass.__flags_values__
        return [(v.value_nick, int(k), v.value_name)
                for k, v in sorted(values.items())]

    def default(self, pspec):
        if not hasattr(pspec, "default_value"):
            return ""
        v = pspec.default_value
        if self.is_enum(pspec):
            return "%s (%d)" % (code(v.value_nick), int(v))
        if self.is_flags(pspec):
            nicks = [n for n, bit, _ in self.enum_values(pspec)
                     if bit and int(v) & bit == bit]
            return "%s (0x%x)" % (code(" + ".join(nicks) or "none"), int(v))
        if v is None:
            return code("NULL")
        if isinstance(v, bool):
            return code("true" if v else "false")
        if isinstance(v, str):
            return code('"%s"' % v)
        if isinstance(v, float):
            return code(repr(v))
        if isinstance(v, int):
            return code(str(v))
        return ""

    def range(self, pspec):
        if hasattr(pspec, "minimum") and hasattr(pspec, "maximum"):
            return "%s to %s" % (pspec.minimum, pspec.maximum)
        return ""

    def properties(self, gtype):
        """{owner type name: [pspec]}, names sorted."""
        groups = {}
        for pspec in self.GObject.list_properties(gtype):
            groups.setdefault(pspec.owner_type.name, []).append(pspec)
        for props in groups.values():
            props.sort(key=lambda p: p.name)
        return groups

    def signals(self, gtype):
        """[(defining type name, query)] of the type, its ancestors (nearest
        first) and its interfaces, each sorted by name."""
        types = []
        t = gtype
        while t and t.name != "invalid":
            types.append(t)
            t = t.parent
        types += list(self.GObject.type_interfaces(gtype))
        found = []
        for depth, t in enumerate(types):
            for sid in self.GObject.signal_list_ids(t):
                q = self.GObject.signal_query(sid)
                found.append((depth, t.name, q))
        found.sort(key=lambda x: (x[0], x[2].signal_name))
        return [(name, q) for _, name, q in found]

    def signal_signature(self, q):
        params = ", ".join(code(t.name) for t in q.param_types)
        return "%s (%s)" % (code(q.return_type.name), params or "no arguments")

    def signal_flags(self, q):
        f = int(q.signal_flags)
        S = self.GObject.SignalFlags
        names = [n for bit, n in ((S.RUN_FIRST, "run-first"),
                                  (S.RUN_LAST, "run-last"),
                                  (S.RUN_CLEANUP, "run-cleanup"),
                                  (S.NO_RECURSE, "no-recurse"),
                                  (S.DETAILED, "detailed"),
                                  (S.ACTION, "action"),
                                  (S.NO_HOOKS, "no-hooks"),
                                  (S.DEPRECATED, "deprecated"))
                 if f & int(bit)]
        return ", ".join(names)


GLIB_BASE_TYPES = ("GObject", "GInitiallyUnowned", "GstObject")

RANKS = {0: "none", 64: "marginal", 128: "secondary", 256: "primary"}


def rank_name(rank):
    return RANKS.get(rank, str(rank))


# --- Pages ----------------------------------------------------------------


class Feature:
    """An element or a device provider of the plugin."""

    def __init__(self, kind, factory, gtype, section_id):
        self.kind = kind  # "element" or "device provider"
        self.name = factory.get_name()
        self.factory = factory
        self.gtype = gtype
        self.section_id = section_id
        self.page = self.name + ".md"

    def meta(self, key):
        return self.factory.get_metadata(key) or ""


def header_comment(sources):
    return ["<!-- Generated by %s from the built plugin%s. Do not edit: "
            "run %s. -->" % (GENERATOR,
                             " and " + ", ".join(sources) if sources else "",
                             WRAPPER), ""]


def property_section(intro, pspec):
    out = ["#### " + code(pspec.name), ""]
    blurb = (pspec.blurb or "").strip()
    if blurb:
        out += [blurb, ""]
    rows = [("Nick", pspec.nick or ""), ("Type", intro.type_name(pspec))]
    rng = intro.range(pspec)
    if rng:
        rows.append(("Range", rng))
    default = intro.default(pspec)
    if default:
        rows.append(("Default", default))
    rows.append(("Flags", intro.flags(pspec)))
    out += table(("", ""), rows)
    out.append("")
    if intro.is_enum(pspec) or intro.is_flags(pspec):
        out += table(("value", "number", "meaning"),
                     [(code(nick), ("%d" if intro.is_enum(pspec) else "0x%x")
                       % num, desc)
                      for nick, num, desc in intro.enum_values(pspec)])
        out.append("")
    return out


def inherited_table(intro, props):
    rows = []
    for p in props:
        desc = (p.blurb or "").strip()
        if intro.is_enum(p) or intro.is_flags(p):
            desc += " Values: " + ", ".join(
                code(n) for n, _, _ in intro.enum_values(p)) + "."
        rows.append((code(p.name), intro.type_name(p), intro.default(p),
                     intro.flags(p), desc))
    return table(("property", "type", "default", "flags", "description"),
                 rows)


def messages_section(feat, intro, extra_parts):
    """Element messages: the link-stats structure, read from a fresh
    instance, and any `## Messages` part of the documentation."""
    out = ["## Messages", ""]
    names = {p.name for p in intro.GObject.list_properties(feat.gtype)}
    stats = None
    if feat.kind == "element" and {"link-stats", "stats-interval"} <= names:
        element = feat.factory.create(None)
        stats = element.get_property("link-stats")
    if stats is not None:
        out += ["With " + code("stats-interval") + " set, the element posts "
                "the " + code("link-stats") + " structure as an element "
                "message named " + code(stats.get_name()) + " every "
                + code("stats-interval") + " milliseconds. Its fields:", ""]
        out += table(("field", "type"),
                     [(code(stats.nth_field_name(i)),
                       code(stats.get_field_type(
                           stats.nth_field_name(i)).name))
                      for i in range(stats.n_fields())])
        out.append("")
    for heading, body in extra_parts:
        if heading.lower() != "messages":
            out += ["### " + heading, ""]
        out += body + [""]
    if not extra_parts:
        out += ["%s messages the %s posts are described in its "
                "documentation above." % ("Other" if stats is not None
                                          else "The", feat.kind), ""]
    return out


def feature_page(feat, intro, sections, linker):
    Gst, GObject = intro.Gst, intro.GObject
    src = sections.get(feat.section_id)
    out = header_comment([src[0]] if src else [])
    out += ["# " + feat.name, ""]
    if feat.meta("description"):
        out += [feat.meta("description") + ".", ""]

    rows = [("Kind", feat.kind), ("Long name", feat.meta("long-name")),
            ("Class", code(feat.meta("klass"))),
            ("Author", feat.meta("author")),
            ("Rank", rank_name(feat.factory.get_rank())),
            ("Plugin", code(feat.factory.get_plugin_name())),
            ("Hierarchy", " → ".join(code(t)
                                     for t in intro.hierarchy(feat.gtype))),
            ("Interfaces", ", ".join(code(t) for t in
                                     intro.interfaces(feat.gtype)) or "none")]
    if feat.kind == "element":
        uri_type = feat.factory.get_uri_type()
        protocols = feat.factory.get_uri_protocols() or []
        if uri_type != Gst.URIType.UNKNOWN and protocols:
            rows.append(("URI handler", "%s, protocols %s" % (
                "source" if uri_type == Gst.URIType.SRC else "sink",
                ", ".join(code(p + ":") for p in sorted(protocols)))))
    see_also = None
    parts = []
    if src:
        see_also, parts = section_markdown(src[1], linker, feat.page)
    if see_also:
        rows.append(("See also", ", ".join(
            convert_markup(linker.name_link(s, feat.page), linker, feat.page)
            for s in see_also)))
    out += table(("", ""), rows) + [""]

    doc_parts = [p for p in parts if not (p[0] or "").lower()
                 .startswith("messages")]
    msg_parts = [p for p in parts if (p[0] or "").lower()
                 .startswith("messages")]
    out += ["## Documentation", ""]
    if src:
        for heading, body in doc_parts:
            if heading:
                out += ["### " + heading, ""]
            out += body + [""]
    else:
        out += ["No documentation comment found in the sources.", ""]

    if feat.kind == "element":
        out += ["## Pad templates", ""]
        templates = sorted(feat.factory.get_static_pad_templates(),
                           key=lambda t: t.name_template)
        for t in templates:
            out += ["### " + code(t.name_template), ""]
            out += table(("", ""), [
                ("Direction", t.direction.value_nick),
                ("Presence", t.presence.value_nick)]) + [""]
            caps = t.get_caps().to_string()
            out += ["```"] + caps.split("; ") + ["```", ""]
        if not templates:
            out += ["None.", ""]

    groups = intro.properties(feat.gtype)
    own = groups.pop(feat.gtype.name, [])
    out += ["## Properties", ""]
    if own:
        out += ["### Own properties", ""]
        for pspec in own:
            out += property_section(intro, pspec)
    else:
        out += ["No properties of its own.", ""]
    for owner in reversed(intro.hierarchy(feat.gtype)):
        if owner in groups:
            out += ["### Inherited from " + code(owner), ""]
            out += inherited_table(intro, groups[owner]) + [""]

    out += ["## Signals", ""]
    signals = intro.signals(feat.gtype)
    own_sig = [(t, q) for t, q in signals if t == feat.gtype.name]
    # GObject's notify and GstObject's deep-notify are flagged as action
    # signals too, but are not what an application emits on an element.
    actions = [(t, q) for t, q in signals
               if int(q.signal_flags) & int(GObject.SignalFlags.ACTION)
               and t not in GLIB_BASE_TYPES]
    if own_sig:
        out += ["### Own signals", ""]
        out += table(("signal", "signature", "flags"),
                     [(code(q.signal_name), intro.signal_signature(q),
                       intro.signal_flags(q)) for _, q in own_sig]) + [""]
    else:
        out += ["No signals of its own.", ""]
    if actions:
        out += ["### Action signals", ""]
        out += table(("signal", "defined by", "signature"),
                     [(code(q.signal_name), code(t),
                       intro.signal_signature(q)) for t, q in actions]) + [""]
    else:
        out += ["No action signals.", ""]
    inherited = [(t, q) for t, q in signals if t != feat.gtype.name]
    if inherited:
        out += ["### Inherited signals", ""]
        out += table(("signal", "defined by", "signature"),
                     [(code(q.signal_name), code(t),
                       intro.signal_signature(q)) for t, q in inherited])
        out.append("")

    out += messages_section(feat, intro, msg_parts)
    return "\n".join(out).rstrip("\n") + "\n"


def index_page(plugin, elements, providers):
    out = header_comment([])
    out += ["# The `%s` plugin" % plugin.get_name(), ""]
    out += [plugin.get_description() + ".", ""]
    out += table(("", ""), [
        ("Name", code(plugin.get_name())),
        ("License", plugin.get_license()),
        ("Source module", plugin.get_source()),
        ("Binary package", plugin.get_package()),
        ("Origin", plugin.get_origin())]) + [""]
    out += ["## Elements", ""]
    if elements:
        out += table(("element", "long name", "class", "description"),
                     [("[%s](%s)" % (f.name, f.page), f.meta("long-name"),
                       code(f.meta("klass")), f.meta("description"))
                      for f in elements]) + [""]
    else:
        out += ["None.", ""]
    out += ["## Device providers", ""]
    if providers:
        out += table(("device provider", "long name", "class", "description"),
                     [("[%s](%s)" % (f.name, f.page), f.meta("long-name"),
                       code(f.meta("klass")), f.meta("description"))
                      for f in providers]) + [""]
    else:
        out += ["None.", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def generate(plugin_path, source_root):
    with tempfile.TemporaryDirectory(prefix="gen-element-docs-") as tmp:
        Gst, GObject, plugin = load_gst(plugin_path,
                                        os.path.join(tmp, "registry.bin"))
        intro = Introspector(Gst, GObject)
        features = Gst.Registry.get().get_feature_list_by_plugin(
            plugin.get_name())
        elements, providers = [], []
        for f in sorted(features, key=lambda f: f.get_name()):
            if isinstance(f, Gst.ElementFactory):
                f = f.load()
                elements.append(Feature("element", f, f.get_element_type(),
                                        "element-" + f.get_name()))
            elif isinstance(f, Gst.DeviceProviderFactory):
                f = f.load()
                providers.append(Feature(
                    "device provider", f, f.get_device_provider_type(),
                    "provider-" + f.get_name()))
        linker = Linker({f.gtype.name: (f.page, {
            p.name for p in GObject.list_properties(f.gtype)
            if p.owner_type == f.gtype}) for f in elements + providers})
        sections = find_sections(source_root)
        pages = {"index.md": index_page(plugin, elements, providers)}
        for f in elements + providers:
            pages[f.page] = feature_page(f, intro, sections, linker)
        return pages


def check(pages, folder):
    """Compares with the committed pages; prints a diff when they differ."""
    existing = {os.path.basename(p) for p in glob.glob(
        os.path.join(folder, "*.md"))}
    problems = []
    for name in sorted(existing | set(pages)):
        path = os.path.join(folder, name)
        old = open(path, encoding="utf-8").read() \
            if name in existing else None
        new = pages.get(name)
        if old != new:
            problems.append(name)
            sys.stdout.writelines(difflib.unified_diff(
                (old or "").splitlines(True), (new or "").splitlines(True),
                "a/docs/reference/" + name if name in existing else "/dev/null",
                "b/docs/reference/" + name if name in pages else "/dev/null"))
    if problems:
        print("\ndocs/reference is out of date (%s): run %s to regenerate it "
              "and commit the result." % (", ".join(problems), WRAPPER))
        return 1
    print("docs/reference is up to date (%d pages)." % len(pages))
    return 0


def write(pages, folder):
    os.makedirs(folder, exist_ok=True)
    for old in glob.glob(os.path.join(folder, "*.md")):
        if os.path.basename(old) not in pages:
            os.remove(old)
    for name, text in sorted(pages.items()):
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write(text)
    print("wrote %d pages to %s" % (len(pages), folder))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--plugin", required=True,
                   help="the built plugin, build/gst/serial/libgstserial.so")
    p.add_argument("--source-root", default=SOURCE_ROOT,
                   help="the repository, for the SECTION comments")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--output", help="write the pages into this folder")
    mode.add_argument("--check", help="compare with the pages in this folder")
    args = p.parse_args()
    if not os.path.isfile(args.plugin):
        sys.exit("gen-element-docs: no plugin at %s" % args.plugin)
    pages = generate(os.path.abspath(args.plugin), args.source_root)
    if args.check:
        sys.exit(check(pages, args.check))
    write(pages, args.output)


if __name__ == "__main__":
    main()
