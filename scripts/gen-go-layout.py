#!/usr/bin/env python3
"""Generates Sources/SkiffAPI/Wire/GoLayout+Table.swift: for every served Kubernetes type, its JSON
fields in Go struct order with what Go's encoding/json does with them (omitempty, omitzero,
pointer, value struct, slice, map, scalar and its zero value). kube-apiserver encodes Go structs,
so this table is what makes Skiff's JSON the same bytes: fields in struct order, non-omitempty
fields always present with their zero value, value structs always present (`"resources":{}`),
omitempty fields never `null` or empty.

Only fields that the Kubernetes 1.37 schema knows are kept (the checkouts may be newer), and the
script checks that every `required` field of the schema is a non-omitempty field in Go.

Input: checkouts of github.com/kubernetes/api, github.com/kubernetes/apimachinery and
github.com/kubernetes/apiextensions-apiserver (CustomResourceDefinition; a bare git dir works too:
files are read from HEAD) and the 1.37 schema (../shared/k8s-schema by default).

Usage: scripts/gen-go-layout.py API_CHECKOUT APIMACHINERY_CHECKOUT APIEXTENSIONS_CHECKOUT [--schema PATH]
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SCHEMA = os.path.join(ROOT, "..", "shared", "k8s-schema", "definitions-1.37.json")
OUT = os.path.join(ROOT, "Sources", "SkiffAPI", "Wire", "GoLayout+Table.swift")

API_PACKAGES = ["core/v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "networking/v1", "policy/v1",
                "rbac/v1", "storage/v1", "coordination/v1", "discovery/v1", "events/v1", "scheduling/v1", "node/v1",
                "admissionregistration/v1", "certificates/v1", "authentication/v1", "authorization/v1",
                "scheduling/v1alpha3", "resource/v1"]
MACHINERY = ["pkg/apis/meta/v1", "pkg/version"]
APIEXTENSIONS = ["pkg/apis/apiextensions/v1"]

# Go packages → schema definition prefix.
def schema_prefix(pkg):
    if pkg.startswith("k8s.io/api/"):
        return "io.k8s.api." + pkg[len("k8s.io/api/"):].replace("/", ".") + "."
    if pkg.startswith("k8s.io/apimachinery/"):
        return "io.k8s.apimachinery." + pkg[len("k8s.io/apimachinery/"):].replace("/", ".") + "."
    if pkg.startswith("k8s.io/apiextensions-apiserver/"):
        return "io.k8s.apiextensions-apiserver." + pkg[len("k8s.io/apiextensions-apiserver/"):].replace("/", ".") + "."
    return None

# Types with their own MarshalJSON: how their Go zero value encodes.
SPECIAL = {
    "k8s.io/apimachinery/pkg/apis/meta/v1.Time": "t",        # null
    "k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime": "t",   # null
    "k8s.io/apimachinery/pkg/apis/meta/v1.Duration": "d",    # "0s"
    "k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1": "r",    # null
    "k8s.io/apimachinery/pkg/runtime.RawExtension": "r",     # null
    "k8s.io/apimachinery/pkg/api/resource.Quantity": "q",    # "0"
    "k8s.io/apimachinery/pkg/util/intstr.IntOrString": "i",  # 0
}
# JSON Schema unions with their own MarshalJSON: a schema object (encoded as JSONSchemaProps), or a
# bool / an array of schemas / an array of strings, written as they are.
APIEXT = "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1."
SCHEMA_UNIONS = {APIEXT + "JSONSchemaPropsOrArray", APIEXT + "JSONSchemaPropsOrBool",
                 APIEXT + "JSONSchemaPropsOrStringArray"}
EXTERNAL_SCALARS = {
    "k8s.io/apimachinery/pkg/types.UID": "string",
    "k8s.io/apimachinery/pkg/types.NodeName": "string",
}
EXTRA_META = ["Table", "TableColumnDefinition", "TableRow", "TableRowCondition", "PartialObjectMetadata",
              "PartialObjectMetadataList"]
GO_SCALARS = {"string": "s", "bool": "b", "int": "n", "int32": "n", "int64": "n", "uint32": "n", "uint64": "n",
              "float32": "n", "float64": "n", "byte": "n"}


def read_package(root, pkg):
    """{filename: text} of the package's non-test, non-generated Go files."""
    files = {}
    if os.path.isdir(os.path.join(root, pkg)):
        for f in sorted(os.listdir(os.path.join(root, pkg))):
            files[f] = None
    else:
        out = subprocess.run(["git", "--git-dir", root, "ls-tree", "--name-only", f"HEAD:{pkg}"], check=True,
                             capture_output=True, text=True).stdout
        for f in out.split():
            files[f] = None
    texts = {}
    for f in files:
        if not f.endswith(".go") or f.endswith("_test.go") or f.startswith("zz_") or f.startswith("generated"):
            continue
        full = os.path.join(root, pkg, f)
        if os.path.exists(full):
            texts[f] = open(full).read()
        else:
            texts[f] = subprocess.run(["git", "--git-dir", root, "show", f"HEAD:{pkg}/{f}"], check=True,
                                      capture_output=True, text=True).stdout
    return texts


IMPORT = re.compile(r'^\s*(?:(\w+)\s+)?"([^"]+)"\s*$')
FIELD = re.compile(r'^\s+(\w+)\s+([^\s`]+)\s*(?:`([^`]*)`)?')
EMBED = re.compile(r'^\s+(\*?[\w.]+)\s*(?:`([^`]*)`)?\s*$')
TYPEDEF = re.compile(r'^type\s+(\w+)\s+(.+?)\s*(?://.*)?$')


def parse_package(pkg, texts, structs, named):
    for text in texts.values():
        imports = {}
        in_import = False
        for line in text.splitlines():
            if line.startswith("import ("):
                in_import = True
                continue
            if in_import:
                if line.startswith(")"):
                    in_import = False
                    continue
                m = IMPORT.match(line)
                if m:
                    alias = m.group(1) or m.group(2).rsplit("/", 1)[-1]
                    imports[alias] = m.group(2)
                continue
            m = re.match(r'^import\s+(?:(\w+)\s+)?"([^"]+)"', line)
            if m:
                imports[m.group(1) or m.group(2).rsplit("/", 1)[-1]] = m.group(2)
        current = None
        depth = 0
        for line in text.splitlines():
            if current is None:
                m = re.match(r'^type\s+(\w+)\s+struct\s*\{\s*$', line)
                if m:
                    current = (m.group(1), [])
                    depth = 1
                    continue
                m = re.match(r'^type\s+(\w+)\s+struct\s*\{\s*\}', line)
                if m:
                    structs[f"{pkg}.{m.group(1)}"] = []
                    continue
                m = TYPEDEF.match(line)
                if m and not m.group(2).startswith(("struct", "interface", "(")) and "=" not in m.group(2)[:1]:
                    named[f"{pkg}.{m.group(1)}"] = (m.group(2).strip(), pkg, imports)
                continue
            stripped = line.strip()
            if stripped.startswith("//") or not stripped:
                continue
            if stripped.startswith("}") and depth == 1:
                structs[f"{pkg}.{current[0]}"] = current[1]
                current = None
                continue
            if stripped.endswith("{"):
                depth += 1
                continue
            if stripped.startswith("}"):
                depth -= 1
                continue
            if depth != 1:
                continue
            m = FIELD.match(line)
            if m and not m.group(2).startswith("`"):
                tag = m.group(3) or ""
                current[1].append(("field", m.group(1), m.group(2), tag, imports))
                continue
            m = EMBED.match(line)
            if m:
                current[1].append(("embed", None, m.group(1), m.group(2) or "", imports))


def json_tag(tag):
    m = re.search(r'json:"([^"]*)"', tag)
    if not m:
        return None, set()
    parts = m.group(1).split(",")
    return parts[0], set(parts[1:])


def resolve(typ, pkg, imports):
    """A Go type expression → ("ptr"|"slice"|"map", inner) or ("named", qualified) or ("scalar", code)."""
    if typ.startswith("*"):
        return ("ptr", resolve(typ[1:], pkg, imports))
    if typ.startswith("[]"):
        if typ == "[]byte":
            return ("bytes", None)
        return ("slice", resolve(typ[2:], pkg, imports))
    if typ.startswith("map["):
        depth, i = 0, 3
        while True:
            if typ[i] == "[":
                depth += 1
            elif typ[i] == "]":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        return ("map", resolve(typ[i + 1:], pkg, imports))
    if typ in GO_SCALARS:
        return ("scalar", GO_SCALARS[typ])
    if "." in typ:
        alias, name = typ.split(".", 1)
        return ("named", f"{imports.get(alias, alias)}.{name}")
    return ("named", f"{pkg}.{typ}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("api")
    ap.add_argument("apimachinery")
    ap.add_argument("apiextensions")
    ap.add_argument("--schema", default=DEFAULT_SCHEMA)
    args = ap.parse_args()
    defs = json.load(open(args.schema))["$defs"]

    structs, named = {}, {}
    for p in API_PACKAGES:
        parse_package("k8s.io/api/" + p, read_package(args.api, p), structs, named)
    for p in MACHINERY:
        parse_package("k8s.io/apimachinery/" + p, read_package(args.apimachinery, p), structs, named)
    for p in APIEXTENSIONS:
        parse_package("k8s.io/apiextensions-apiserver/" + p, read_package(args.apiextensions, p), structs, named)

    def underlying(q, seen=()):
        """A named type → its encoding class: ("struct", q) | ("special", code) | resolved non-struct form."""
        if q in SPECIAL:
            return ("special", SPECIAL[q])
        if q in SCHEMA_UNIONS:
            return ("struct", APIEXT + "JSONSchemaProps")
        if q in EXTERNAL_SCALARS:
            return ("scalar", GO_SCALARS[EXTERNAL_SCALARS[q]])
        if q in structs:
            return ("struct", q)
        if q in named and q not in seen:
            typ, pkg, imports = named[q]
            r = resolve(typ, pkg, imports)
            if r[0] == "named":
                return underlying(r[1], seen + (q,))
            return norm(r)
        return ("scalar", "s")  # unknown named type from elsewhere: all that occur are string kinds

    def norm(r):
        if r[0] == "named":
            return underlying(r[1])
        if r[0] in ("ptr", "slice", "map"):
            return (r[0], norm(r[1]))
        return r

    def def_name(q):
        pkg, name = q.rsplit(".", 1)
        prefix = schema_prefix(pkg)
        return prefix + name if prefix else None

    def fields_of(q):
        """Flattened JSON fields of a Go struct (inline embeds expanded), in order."""
        out = []
        for kind, name, typ, tag, imports in structs[q]:
            pkg = q.rsplit(".", 1)[0]
            jname, opts = json_tag(tag)
            if jname == "-":
                continue
            if kind == "embed":
                r = norm(resolve(typ.lstrip("*"), pkg, imports))
                if not jname and r[0] == "struct":
                    out.extend(fields_of(r[1]))
                    continue
                name = typ.lstrip("*").rsplit(".", 1)[-1]
                r = norm(resolve(typ, pkg, imports))
            else:
                r = norm(resolve(typ, pkg, imports))
            out.append((jname or name, opts, r))
        return out

    def code(r):
        """Encoding class letter and the child definition (for structs, through ptr/slice/map)."""
        k = r[0]
        if k == "scalar":
            return r[1], None
        if k == "bytes":
            return "y", None
        if k == "special":
            return r[1], None
        if k == "struct":
            return "S", def_name(r[1])
        inner, child = code(r[1])
        container = {"ptr": "P", "slice": "L", "map": "M"}[k]
        return container + (inner if inner != "S" else ""), child

    # Served meta types the schema has no definition for (Tables, PartialObjectMetadata).
    for name in EXTRA_META:
        q = "k8s.io/apimachinery/pkg/apis/meta/v1." + name
        props = {jname: {} for jname, _, _ in fields_of(q)}
        defs["io.k8s.apimachinery.pkg.apis.meta.v1." + name] = {"properties": props}
        if name in ("Table", "PartialObjectMetadata", "PartialObjectMetadataList"):
            defs["io.k8s.apimachinery.pkg.apis.meta.v1." + name]["x-kubernetes-group-version-kind"] = [
                {"group": "meta.k8s.io", "version": "v1", "kind": name}]

    lines = []
    missing_required = []
    emitted = 0
    for q in sorted(structs):
        dname = def_name(q)
        if not dname or dname not in defs:
            continue
        props = defs[dname].get("properties", {})
        if not props:
            continue
        version = dname.rsplit(".", 2)[1]
        kinds = [f"{g['group']}/{g['version']}/{g['kind']}" for g in defs[dname].get("x-kubernetes-group-version-kind", [])
                 if g["version"] == version and (g["group"] == "" or not dname.startswith("io.k8s.apimachinery"))
                 or g["group"] == "meta.k8s.io"]
        row = []
        seen = set()
        for jname, opts, r in fields_of(q):
            if jname not in props or jname in seen:
                continue
            seen.add(jname)
            c, child = code(r)
            flags = ("o" if "omitempty" in opts else "") + ("z" if "omitzero" in opts else "")
            row.append(f"{jname} {c} {flags or '-'}" + (f" {child}" if child and child in defs else ""))
        for req in defs[dname].get("required", []):
            entry = next((x for x in row if x.split(" ")[0] == req), None)
            if entry is None or "o" in entry.split(" ")[2]:
                missing_required.append(f"{dname}.{req}")
        lines.append(" ".join([f"@{dname}"] + kinds))
        lines.extend(row)
        emitted += 1
    if missing_required:
        print("schema-required fields that Go omits when empty (kept as Go does): " + ", ".join(missing_required),
              file=sys.stderr)
    text = "\n".join(lines)
    swift = ("// Generated by scripts/gen-go-layout.py — do not edit.\n"
             "// Go struct layout of the served Kubernetes types: `@<definition> [<group>/<version>/<kind> …]` then one line per JSON field in\n"
             "// struct order: `<name> <class> <flags> [<child definition>]`, see GoLayout.swift.\n\n"
             "extension GoLayout {\n"
             "    static let table = #\"\"\"\n" + text + "\n\"\"\"#\n}\n")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(swift)
    print(f"wrote {emitted} types to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
