#!/usr/bin/env bash
# Mutation score of one module against its own tests, measured with mutmut (issue 11).
#
#   bash benchmarks/mutation.sh theory/exact.py tests/theory/test_exact.py
#   bash benchmarks/mutation.sh numerics/certify.py tests/numerics/test_certify.py
#
# Runs in a scratch copy of the committed tree (git archive HEAD), so the working tree is never
# touched; prints killed / survived / other counts and the score, and lists the survivors
# (inspect one with `mutmut show NAME` in the printed folder). Not a CI step: it takes minutes.
# Run it with the project's virtual environment active (mutmut from the `test` extra).
set -euo pipefail
module="$1"; shift
tests="$*"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
git -C "$root" archive HEAD | tar -x -C "$work"
cd "$work"
# the folders are installed as sublevel.theory, …: nest them so that the mutated copy is what
# `import sublevel.…` finds first (mutmut puts its mutants/ folder ahead of the installed one)
mv theory numerics proofs_checks sublevel/
cat > setup.cfg <<CFG
[mutmut]
source_paths = sublevel
only_mutate = sublevel/${module}
pytest_add_cli_args_test_selection = ${tests}
pytest_add_cli_args = -p no:cacheprovider -q -x
CFG
echo "mutmut in $work on ${module} with ${tests}"
SUBLEVEL_MUTATION=1 "${MUTMUT:-mutmut}" run --max-children "${MUTMUT_CHILDREN:-2}" >/dev/null 2>&1 || true
"${MUTMUT:-mutmut}" results --all true > results.txt 2>&1 || true
killed=$(grep -c ": killed" results.txt || true)
survived=$(grep -c ": survived" results.txt || true)
other=$(grep -v -c -E ": (killed|survived)" results.txt || true)
total=$((killed + survived))
echo "killed ${killed}, survived ${survived}, other ${other}"
if [ "$total" -gt 0 ]; then
  python3 -c "print(f'mutation score: {100 * ${killed} / ${total}:.1f} % of {${total}} mutants')"
fi
echo "survivors:"; grep ": survived" results.txt || true
echo "folder: $work"
