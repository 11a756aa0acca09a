#!/usr/bin/env bash
# Mutation score of modules against their own tests, measured with mutmut (issue 11).
#
#   bash benchmarks/mutation.sh theory/exact.py,theory/rational.py \
#       tests/theory/test_exact.py tests/theory/test_rational.py
#   bash benchmarks/mutation.sh numerics/certify.py,numerics/certify_grid.py,\
#   numerics/certify_energy_polynomial.py,numerics/tolerances.py tests/numerics/test_certify*.py \
#       tests/numerics/test_tolerances.py
#
# The first argument is one module or a comma-separated list (the parts a module was split into).
#
# Runs in a scratch copy of the committed tree (git archive HEAD), so the working tree is never
# touched; prints killed / survived / other counts and the score, and lists the survivors
# (inspect one with `mutmut show NAME` in the printed folder). Not a CI step: it takes minutes.
# Run it with the project's virtual environment active (mutmut from the `test` extra).
set -euo pipefail
module="$1"; shift
tests=""
for t in "$@"; do tests="${tests}
    ${t}"; done
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
git -C "$root" archive HEAD | tar -x -C "$work"
cd "$work"
# the folders are installed as sublevel.theory, …: nest them so that the mutated copy is what
# `import sublevel.…` finds first (mutmut puts its mutants/ folder ahead of the installed one)
mv theory numerics proofs_checks sublevel/
only=""
IFS=',' read -ra parts <<< "$module"
for m in "${parts[@]}"; do only="${only}
    sublevel/${m}"; done
cat > setup.cfg <<CFG
[mutmut]
source_paths = sublevel
only_mutate = ${only}
pytest_add_cli_args_test_selection = ${tests}
pytest_add_cli_args = -p no:cacheprovider -q -x
CFG
echo "mutmut in $work on ${module} with ${tests}"
SUBLEVEL_MUTATION=1 "${MUTMUT:-mutmut}" run --max-children "${MUTMUT_CHILDREN:-2}" >/dev/null 2>&1 || true
"${MUTMUT:-mutmut}" results --all true > results.txt 2>&1 || true
killed=$(grep -c ": killed" results.txt || true)
timeout=$(grep -c ": timeout" results.txt || true)
survived=$(grep -c ": survived" results.txt || true)
notests=$(grep -c ": no tests" results.txt || true)
unchecked=$(grep -c ": not checked" results.txt || true)
other=$(grep -v -c -E ": (killed|timeout|survived|no tests|not checked)" results.txt || true)
# caught = killed or timed out (a mutant that makes the tests hang is detected); not caught =
# survived or reached by no test; "not checked" means the run was cut short
caught=$((killed + timeout))
total=$((caught + survived + notests))
echo "killed ${killed}, timeout ${timeout}, survived ${survived}, no tests ${notests}, not checked ${unchecked}, other ${other}"
if [ "$total" -gt 0 ]; then
  python3 -c "print(f'mutation score: {100 * ${caught} / ${total}:.1f} % of {${total}} mutants (caught = killed + timeout)')"
fi
echo "survivors:"; grep -E ": (survived|no tests)" results.txt || true
echo "folder: $work"
