"""Checks Flywheel's Airflow DAGs without Airflow (not installable here): every DAG file compiles,
every SparkSubmitOperator runs Flywheel's jar and main class, and every command and flag in its
application_args exists in the CLI, as `flywheel describe --json` reports it.

Usage: python3 check_dags.py CLI_DESCRIPTION.json DAGS_DIR
"""
import ast
import json
import pathlib
import sys


def literal(node, constants):
    """The value of a literal or of a name bound to a literal in flywheel_common."""
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def constants_of(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    values = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            try:
                values[statement.targets[0].id] = ast.literal_eval(statement.value)
            except ValueError:
                pass
    return values


def check_args(args, commands, where):
    """The longest command path that prefixes args, then every --flag against its options."""
    problems = []
    match = None
    for command in commands:
        path = command["command"]
        if args[: len(path)] == path and (match is None or len(path) > len(match["command"])):
            match = command
    if match is None:
        return [f"{where}: no flywheel command starts {args[:2]}"]
    if match["has_subcommands"]:
        problems.append(f"{where}: {' '.join(match['command'])} needs a subcommand")
    names = {name: option for option in match["options"] for name in option["names"]}
    rest = args[len(match["command"]):]
    i = 0
    while i < len(rest):
        token = rest[i]
        if token.startswith("-"):
            flag = token.split("=", 1)[0]
            option = names.get(flag)
            if option is None:
                problems.append(f"{where}: {' '.join(match['command'])} has no option {flag}")
            elif option["takes_value"] and "=" not in token:
                i += 1
        i += 1
    for option in match["options"]:
        if option["required"] and not any(a.split("=", 1)[0] in option["names"] for a in rest):
            problems.append(f"{where}: required option {option['names'][0]} missing")
    return problems


def main(description_file, dags_dir):
    description = json.loads(pathlib.Path(description_file).read_text())
    dags = pathlib.Path(dags_dir)
    constants = constants_of(dags / "flywheel_common.py")
    problems = []
    operators = 0
    for path in sorted(dags.glob("*.py")):
        compile(path.read_text(), str(path), "exec")
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DAG":
                keywords = {k.arg: k.value for k in node.keywords}
                if literal(keywords.get("max_active_runs"), constants) != 1:
                    problems.append(f"{path.name}: DAG must set max_active_runs=1 (the run ledger expects one run at a time)")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "SparkSubmitOperator":
                operators += 1
                keywords = {k.arg: k.value for k in node.keywords}
                where = f"{path.name}:{node.lineno}"
                if literal(keywords.get("java_class"), constants) != description["main_class"]:
                    problems.append(f"{where}: java_class is not {description['main_class']}")
                application = literal(keywords.get("application"), constants) or ""
                if not application.endswith(pathlib.Path(description["application_jar"]).name):
                    problems.append(f"{where}: application {application!r} is not the Flywheel jar")
                args = literal(keywords.get("application_args"), constants)
                if not isinstance(args, list) or not args:
                    problems.append(f"{where}: application_args must be a literal list")
                    continue
                problems.extend(check_args(args, description["commands"], where))
    if operators == 0:
        problems.append("no SparkSubmitOperator found")
    for problem in problems:
        print(problem)
    print(f"checked {operators} SparkSubmitOperator tasks: {'OK' if not problems else str(len(problems)) + ' problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
