#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] [TARGET...] -- a libFuzzer campaign over the massline fuzz targets.
#
# Builds the targets with clang (ASan + UBSan + libFuzzer) in build-fuzz/ (or $ML_FUZZ_BUILD),
# then runs each TARGET (default: all of them) for SECONDS (default 600) on a copy of its seed
# corpus plus its regression inputs, and prints per target: runs, coverage, corpus size and any
# crash, leak, timeout or out-of-memory file. Exits 1 when anything was found.
#
#   ML_FUZZ_JOBS=2   targets run at once (default 1; the fuzzers are single-threaded)
#   ML_FUZZ_BUILD=d  the build folder (configured with CC=clang when it does not exist)
#
# New inputs the fuzzer found stay in BUILD/tests/fuzz/campaign-TARGET/corpus; to keep the
# interesting ones as seeds: fuzz_TARGET -merge=1 tests/fuzz/corpus/TARGET <that folder>.
set -u

die () { echo "run.sh: $*" >&2; exit 2; }

#  Everything is in main, called on the last line: bash has read the whole script before it
#  starts, so editing the script during a long campaign does not disturb the campaign.
main () {
    here="$(cd "$(dirname "$0")" && pwd)"
    root="$(cd "$here/../.." && pwd)"
    build="${ML_FUZZ_BUILD:-$root/build-fuzz}"
    jobs="${ML_FUZZ_JOBS:-1}"
    seconds=600
    if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then
        seconds="$1"
        shift
    fi
    all_targets=(frame event_json event_kv ledger config)
    [ -f "$here/fuzz_rules.c" ] && all_targets+=(rules)
    targets=("$@")
    [ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")

    command -v clang >/dev/null || die "clang is not installed (apt-get install clang libclang-rt-14-dev)"
    if [ ! -f "$build/build.ninja" ]; then
        CC=clang meson setup "$build" "$root" >"$build.setup.log" 2>&1 \
            || die "meson setup $build failed; see $build.setup.log"
    fi
    src=$(sed -n 's/.*--internal regenerate \([^ ]*\) .*/\1/p' "$build/build.ninja" | head -1)
    [ "$(cd "$src" 2>/dev/null && pwd -P)" = "$(cd "$root" && pwd -P)" ] \
        || echo "run.sh: note: $build was configured from $src, not $root" >&2
    grep -q "C compiler for the host machine: clang" "$build/meson-logs/meson-log.txt" 2>/dev/null \
        || die "$build is not a clang build; remove it or set ML_FUZZ_BUILD"
    for t in "${targets[@]}"; do
        [ -f "$here/fuzz_$t.c" ] || die "no target '$t' (have: ${all_targets[*]})"
        ninja -C "$build" "tests/fuzz/fuzz_$t" >"$build/fuzz-build.log" 2>&1 || {
            tail -20 "$build/fuzz-build.log" >&2
            grep -q "unknown target" "$build/fuzz-build.log" \
                && echo "run.sh: is tests/fuzz wired in? tests/meson.build needs: if fs.exists('fuzz/meson.build') / subdir('fuzz') / endif" >&2
            die "cannot build fuzz_$t"
        }
    done

    #  One campaign: a fresh copy of the seeds and regression inputs, then SECONDS of fuzzing.
    campaign () {
        local t="$1" work="$build/tests/fuzz/campaign-$1"
        rm -rf "$work"
        mkdir -p "$work/corpus" "$work/findings"
        cp -r "$here/corpus/$t/." "$work/corpus/" 2>/dev/null
        [ -d "$here/regress/$t" ] && cp -r "$here/regress/$t/." "$work/corpus/"
        local dict=()
        [ -f "$here/fuzz_$t.dict" ] && dict=("-dict=$here/fuzz_$t.dict")
        "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=25 \
            -print_final_stats=1 -artifact_prefix="$work/findings/" "${dict[@]}" "$work/corpus" \
            >"$work/log" 2>&1
        echo $? >"$work/rc"
    }

    running=0
    for t in "${targets[@]}"; do
        echo "fuzz_$t: ${seconds}s ..."
        campaign "$t" &
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then
            wait -n
            running=$((running - 1))
        fi
    done
    wait

    found=0
    printf '\n%-12s %12s %8s %8s %8s  %s\n' target runs cov ft corpus findings
    for t in "${targets[@]}"; do
        work="$build/tests/fuzz/campaign-$t"
        log="$work/log"
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1)
        cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
        ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
        corp=$(sed -n 's/.*corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
        files=$(ls "$work/findings" 2>/dev/null | tr '\n' ' ')
        rc=$(cat "$work/rc" 2>/dev/null || echo '?')
        printf '%-12s %12s %8s %8s %8s  %s\n' "$t" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
            "${files:-none}"
        if [ -n "$files" ] || [ "$rc" != 0 ]; then
            found=1
            for f in $files; do echo "  $work/findings/$f"; done
            grep -m1 -B1 -E '==[0-9]+== ?ERROR|runtime error' "$log" | sed 's/^/  /'
            echo "  log: $log"
        fi
    done
    exit $found
}

main "$@"
