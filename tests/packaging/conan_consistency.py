#!/usr/bin/env python3
"""Checks conan/conanfile.py against the CMake package of a configured build tree, without Conan
(it cannot be installed on the development machine): the recipe is parsed with `ast`, never run.

  conan_consistency.py --source-dir SRC --build-dir BUILD

Checked:
  - every target the CMake package exports (CMakeFiles/Export/*/kafkaplus*-targets.cmake) is a
    component of package_info() with the same cmake_target_name and the same library name;
  - the component's requires cover the target's INTERFACE_LINK_LIBRARIES (kafkaplus::X -> the
    component of X, SOCI::soci_Y -> soci::soci_Y, SQLite::SQLite3 -> sqlite3::sqlite3,
    mysqlcppconn::mysqlcppconn -> system library mysqlcppconn);
  - the pkg-config names of package_info() (names and aliases) are the .pc files CMake generates;
  - each option with_X that can be False is passed to CMake as KAFKAPLUS_WITH_X, a cache variable
    of the top-level CMakeLists.txt; options with a single value are reported as fixed;
  - the recipe reads its version from the top-level project() call.
Exit status 1 with one line per mismatch.
"""
import argparse
import ast
import glob
import os
import re
import sys


def literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def parse_recipe(path):
    tree = ast.parse(open(path).read(), path)
    recipe = {"options": {}, "components": {}, "cache_variables": {}, "set_version_pattern": None}
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    for node in cls.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "options":
            recipe["options"] = literal(node.value)
    methods = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}

    # package_info: local names bound to self.cpp_info.components["X"], then their properties.
    aliases = {}
    components = recipe["components"]

    def component_of(node):
        # self.cpp_info.components["X"]  or a local bound to it
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "components":
            return literal(node.slice)
        if isinstance(node, ast.Name):
            return aliases.get(node.id)
        return None

    # Module-level lists the recipe builds (compression = [...]; ssl = [...]) count as requires.
    local_lists = {}
    for node in ast.walk(methods["package_info"]):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            comp = component_of(node.value)
            if comp is not None:
                aliases[name] = comp
                components.setdefault(comp, {"properties": {}, "libs": [], "requires": [], "system_libs": []})
            elif isinstance(node.value, (ast.List, ast.IfExp)):
                values = []
                for sub in ast.walk(node.value):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        values.append(sub.value)
                local_lists[name] = values
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append":
            target = node.func.value
            if isinstance(target, ast.Name) and target.id in local_lists:
                local_lists[target.id] += [literal(a) for a in node.args]
    for node in ast.walk(methods["package_info"]):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "set_property":
            comp = component_of(node.func.value)
            if comp is not None:
                components[comp]["properties"][literal(node.args[0])] = literal(node.args[1])
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Attribute):
            attr = node.targets[0]
            comp = component_of(attr.value)
            if comp is None or attr.attr not in ("libs", "requires", "system_libs"):
                continue
            values = []
            for sub in ast.walk(node.value):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    values.append(sub.value)
                elif isinstance(sub, ast.Name) and sub.id in local_lists:
                    values += local_lists[sub.id]
            components[comp][attr.attr] = values
    for node in ast.walk(methods["generate"]):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            sub = node.targets[0]
            if isinstance(sub.value, ast.Attribute) and sub.value.attr == "cache_variables":
                recipe["cache_variables"][literal(sub.slice)] = ast.unparse(node.value)
    for node in ast.walk(methods.get("set_version", ast.Pass())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "project" in node.value:
            recipe["set_version_pattern"] = node.value
    return recipe


def parse_exports(build_dir):
    """{target: {"kind", "library", "links"}} from the export files CMake writes at generate time."""
    targets = {}
    files = glob.glob(os.path.join(build_dir, "**", "CMakeFiles", "Export", "*", "kafkaplus*-targets.cmake"),
                      recursive=True)
    for path in files:
        text = open(path).read()
        for m in re.finditer(r"add_library\((kafkaplus::\w+) (SHARED|STATIC) IMPORTED\)", text):
            targets[m.group(1)] = {"kind": m.group(2), "library": None, "links": []}
        for m in re.finditer(r"set_target_properties\((kafkaplus::\w+) PROPERTIES(.*?)\n\)", text, re.S):
            links = re.search(r'INTERFACE_LINK_LIBRARIES "([^"]*)"', m.group(2))
            if links:
                items = [re.sub(r"^\\?\$<LINK_ONLY:(.*)>$", r"\1", i) for i in links.group(1).split(";")]
                targets[m.group(1)]["links"] = [i for i in items if i]
        for config in glob.glob(path[: -len(".cmake")] + "-*.cmake"):
            ctext = open(config).read()
            for m in re.finditer(r"set_target_properties\((kafkaplus::\w+) PROPERTIES(.*?)\n  \)", ctext, re.S):
                loc = re.search(r'IMPORTED_LOCATION_\w+ "[^"]*/lib([^/"]+?)\.(?:so|a)[0-9.]*"', m.group(2))
                if loc:
                    targets[m.group(1)]["library"] = loc.group(1)
    return targets


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--build-dir", required=True)
    args = parser.parse_args()
    recipe = parse_recipe(os.path.join(args.source_dir, "conan", "conanfile.py"))
    exports = parse_exports(args.build_dir)
    problems = []
    if "kafkaplus::kafkaplus" not in exports:
        problems.append("no kafkaplus::kafkaplus in the build tree's export files (configure the build first)")

    by_target = {c["properties"].get("cmake_target_name"): (name, c) for name, c in recipe["components"].items()}
    for target, info in sorted(exports.items()):
        if target not in by_target:
            problems.append(f"{target}: exported by CMake, no Conan component has it as cmake_target_name")
            continue
        name, comp = by_target[target]
        if comp["libs"] != [info["library"]]:
            problems.append(f"{target}: CMake installs lib{info['library']}, component '{name}' declares libs {comp['libs']}")
        for link in info["links"]:
            if link in ("Threads::Threads", "dl", "pthread", "m"):
                if link == "Threads::Threads" and "pthread" not in comp["system_libs"]:
                    problems.append(f"{target}: links Threads::Threads, component '{name}' lacks system_libs pthread")
                continue
            if link.startswith("kafkaplus::"):
                dep = by_target.get(link, (None,))[0]
                if dep not in comp["requires"]:
                    problems.append(f"{target}: links {link}, component '{name}' does not require '{dep}'")
            elif link.startswith("SOCI::"):
                if "soci::" + link.split("::")[1] not in comp["requires"]:
                    problems.append(f"{target}: links {link}, component '{name}' lacks soci::{link.split('::')[1]}")
            elif link == "SQLite::SQLite3":
                if "sqlite3::sqlite3" not in comp["requires"]:
                    problems.append(f"{target}: links SQLite::SQLite3, component '{name}' lacks sqlite3::sqlite3")
            elif link == "mysqlcppconn::mysqlcppconn":
                if "mysqlcppconn" not in comp["system_libs"]:
                    problems.append(f"{target}: links Connector/C++, component '{name}' lacks system_libs mysqlcppconn")
            else:
                problems.append(f"{target}: links {link}, which this check does not know how to map to Conan")
        print(f"ok  {target:32} component {name:18} lib{info['library']}")
    for target, (name, _) in by_target.items():
        if target not in exports:
            print(f"--  {target:32} component {name:18} not built in this tree (option off?)")

    # pkg-config names.
    pc_built = {os.path.basename(p)[:-3] for p in glob.glob(os.path.join(args.build_dir, "pkgconfig", "*.pc"))}
    pc_conan = set()
    for name, comp in recipe["components"].items():
        target = comp["properties"].get("cmake_target_name")
        names = [comp["properties"].get("pkg_config_name")] + list(comp["properties"].get("pkg_config_aliases") or [])
        if target in exports:
            pc_conan.update(n for n in names if n)
    for missing in sorted(pc_built - pc_conan):
        problems.append(f"pkg-config {missing}.pc is generated by CMake, no built Conan component declares it")
    for extra in sorted(pc_conan - pc_built):
        problems.append(f"pkg-config {extra}: declared by the recipe, not generated by CMake")
    print(f"pkg-config names: {' '.join(sorted(pc_conan & pc_built))}")

    # Options.
    cmakelists = open(os.path.join(args.source_dir, "CMakeLists.txt")).read()
    for option, values in sorted(recipe["options"].items()):
        if not option.startswith("with_"):
            continue
        variable = "KAFKAPLUS_" + option.upper()
        if False in values:
            if not re.search(r"set\(" + variable + r"\b[^)]*CACHE", cmakelists):
                problems.append(f"option {option}: no cache variable {variable} in CMakeLists.txt")
            if variable not in recipe["cache_variables"]:
                problems.append(f"option {option}: generate() does not pass {variable}")
            print(f"option {option} -> {variable}")
        else:
            print(f"option {option}: fixed to {values} (no CMake switch yet)")

    pattern = recipe["set_version_pattern"]
    if not pattern or not re.search(pattern, cmakelists):
        problems.append("set_version() does not find the version in CMakeLists.txt's project() call")

    for p in problems:
        print("MISMATCH: " + p)
    print("conan recipe consistent with the CMake package" if not problems else f"{len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
